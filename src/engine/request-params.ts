// What each engine request accepts, checked before its handler runs (src/engine/params.ts).
// Each checker is typed by its params interface in protocol.ts, so a field added there must be added here.
import { arrayOf, either, nullable, number, object, oneOf, optional, string, boolean } from './params';
import type {
  BuildIndexParams,
  CitationParams,
  DatabasePasswordsParams,
  FormulaAtParams,
  FormulaInput,
  IndexSelection,
  PaperMeta,
  PrepareDefaultIndexParams,
  SearchModeName,
  SearchParams,
  TrainModelParams,
} from './protocol';

const wholeNumber = (min: number) => number(min, true);

export const formulaAtParams = object<FormulaAtParams>({
  uri: string,
  path: optional(string),
  text: string,
  offset: wholeNumber(0),
  languageId: string,
  includeInline: boolean,
});

const formulaInput = object<FormulaInput>({ latex: string, macros: optional(string), display: boolean, env: optional(string) });

type ModelSelection = IndexSelection['model'];
const model = either(
  object<Exclude<ModelSelection, { kind: 'custom' }>>({ kind: oneOf({ see: true, bee: true }) }),
  object<Extract<ModelSelection, { kind: 'custom' }>>({ kind: oneOf({ custom: true }), path: string }),
);

const executionProvider = oneOf<IndexSelection['executionProvider']>({ cpu: true, cuda: true });

const indexSelection = object<IndexSelection>({
  locations: arrayOf(string),
  includeDefault: boolean,
  model,
  executionProvider,
  defaultIndexCache: optional(string),
  searchMode: optional(oneOf<SearchModeName>({ bitmap: true, symbolic: true, lexical: true, structure: true, hybrid: true })),
  symbolicModel: optional(string),
});

export const searchParams = object<SearchParams>({
  formula: formulaInput,
  k: wholeNumber(1),
  excludePaper: optional(string),
  queryFile: optional(string),
  indexes: indexSelection,
});

export const databasePasswordsParams = object<DatabasePasswordsParams>({
  passwords: arrayOf(object<DatabasePasswordsParams['passwords'][number]>({ location: string, password: string })),
});

export const prepareDefaultIndexParams = object<PrepareDefaultIndexParams>({ indexes: indexSelection });

export const buildIndexParams = object<BuildIndexParams>({
  folders: arrayOf(string),
  indexDir: string,
  cacheDir: string,
  model,
  executionProvider,
});

const paperMeta = object<PaperMeta>({
  id: string,
  title: string,
  authors: arrayOf(string),
  year: nullable(number(0)),
  url: optional(string),
  arxivId: optional(string),
  doi: optional(string),
  key: optional(string),
  macros: string,
});

export const citationParams = object<CitationParams>({ paper: paperMeta, bibFiles: arrayOf(object<{ path: string; text: string }>({ path: string, text: string })) });

export const trainModelParams = object<TrainModelParams>({
  folders: arrayOf(string),
  out: string,
  workDir: string,
  cacheDir: string,
  init: optional(string),
  symbolicOut: optional(string),
  steps: optional(wholeNumber(1)),
  minutes: optional(number(0)),
});
