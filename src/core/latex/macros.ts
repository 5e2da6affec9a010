// A document's macro definitions: read from its source (preamble, included files, local .sty),
// kept as one definition per line (the corpus `macros` format) for the renderer to apply per
// document. Also derives the shorthands (`\be … \ee`) the scanner needs to see math environments.
// Nothing here expands macros, so a recursive definition is just text; resolving shorthand chains
// is bounded.
import {
  type LineIndex,
  charCodes,
  readArgument,
  readControlSequence,
  readGroup,
  readOptional,
  skipSpace,
  stripComments,
} from './args';
import { type Shorthands, displayEnvironments, scanMath } from './scan';

const { BACKSLASH } = charCodes;

/** Commands that define macros (each also starred where LaTeX allows it). */
const commandDefiners = new Set(['newcommand', 'renewcommand', 'providecommand', 'DeclareRobustCommand']);
const environmentDefiners = new Set(['newenvironment', 'renewenvironment']);
const primitiveDefiners = new Set(['def', 'gdef', 'edef', 'xdef']);
export const definitionCommands: ReadonlySet<string> = new Set([
  ...commandDefiners,
  ...environmentDefiners,
  ...primitiveDefiners,
  'let',
  'DeclareMathOperator',
  'DeclarePairedDelimiter',
  'DeclarePairedDelimiterX',
]);

export interface MacroDefinition {
  /** `\R` for commands, the bare name for environments. */
  name: string;
  /** The defining command without backslash: `newcommand`, `def`, `DeclareMathOperator`, … */
  definer: string;
  /** The definition as one line of LaTeX, comments removed. */
  text: string;
  /** The replacement text (`begin` code for environments); '' for `\let`. */
  body: string;
  /** Number of parameters (0 when none). */
  parameters: number;
}

export type DefinitionRead =
  | { ok: true; definition: MacroDefinition; end: number }
  | { ok: false; reason: string };

const oneLine = (source: string) => stripComments(source).replace(/\s*\n\s*/g, ' ').trim();

/** Names a definition may not take: reading them so means the source is broken, not redefining TeX. */
const reservedNames = new Set(['\\begin', '\\end', ...[...definitionCommands].map((name) => '\\' + name)]);

/** `{\name}` or `\name` as a command name, or undefined. */
function commandName(text: string, i: number): { name: string; end: number } | undefined {
  const argument = readArgument(text, i);
  const name = argument?.content.trim();
  const valid = name && /^\\(?:[A-Za-z@]+|[^A-Za-z@\s])$/.test(name) && !reservedNames.has(name);
  return argument && valid ? { name, end: argument.end } : undefined;
}

/**
 * Reads the definition whose command (`definer`, without backslash) starts at `start` and whose
 * name ends at `nameEnd`. Never throws; `reason` says why a definition could not be read.
 */
export function readDefinition(text: string, definer: string, start: number, nameEnd: number): DefinitionRead {
  const starredEnd = text[nameEnd] === '*' ? nameEnd + 1 : nameEnd;
  const done = (name: string, end: number, body: string, parameters = 0): DefinitionRead => ({
    ok: true,
    definition: { name, definer, text: oneLine(text.slice(start, end)), body, parameters },
    end,
  });
  const failure = (what: string): DefinitionRead => ({ ok: false, reason: `\\${definer}: ${what}` });

  if (commandDefiners.has(definer) || environmentDefiners.has(definer)) {
    const environment = environmentDefiners.has(definer);
    const name = environment ? readGroup(text, skipSpace(text, starredEnd)) : commandName(text, starredEnd);
    if (!name || ('content' in name && !/^[A-Za-z@*]+$/.test(name.content.trim()))) return failure('unreadable name');
    const count = readOptional(text, name.end);
    const parameters = count ? Number(count.content.trim()) : 0;
    if (!(parameters >= 0 && parameters <= 9)) return failure('bad parameter count');
    const optional = count && readOptional(text, count.end);
    const body = readArgument(text, (optional ?? count ?? name).end);
    if (!body) return failure('unbalanced or missing body');
    const label = 'content' in name ? name.content.trim() : name.name;
    if (!environment) return done(label, body.end, body.content, parameters);
    const endCode = readArgument(text, body.end);
    return endCode ? done(label, endCode.end, body.content, parameters) : failure('missing end code');
  }
  if (primitiveDefiners.has(definer)) {
    const at = skipSpace(text, nameEnd);
    if (text.charCodeAt(at) !== BACKSLASH) return failure('unreadable name');
    const sequence = readControlSequence(text, at);
    const brace = text.indexOf('{', sequence.end);
    const parameterText = brace < 0 ? '' : text.slice(sequence.end, brace);
    if (brace < 0 || parameterText.length > 200 || /[}\n]\s*\n/.test(parameterText)) return failure('missing body');
    const body = readGroup(text, brace);
    if (!body) return failure('unbalanced body');
    const parameters = (parameterText.match(/#[1-9]/g) ?? []).length;
    return done('\\' + sequence.name, body.end, body.content, parameters);
  }
  if (definer === 'let') {
    const at = skipSpace(text, nameEnd);
    if (text.charCodeAt(at) !== BACKSLASH) return failure('unreadable name');
    const sequence = readControlSequence(text, at);
    let target = skipSpace(text, sequence.end);
    if (text[target] === '=') target = skipSpace(text, target + 1);
    if (target >= text.length || /[{}\s]/.test(text[target]!)) return failure('unreadable target');
    const targetEnd = text.charCodeAt(target) === BACKSLASH ? readControlSequence(text, target).end : target + 1;
    const name = '\\' + sequence.name;
    const definition = `\\let${name}=${text.slice(target, targetEnd)}`;
    return { ok: true, definition: { name, definer, text: definition, body: '', parameters: 0 }, end: targetEnd };
  }
  if (definer === 'DeclareMathOperator') {
    const name = commandName(text, starredEnd);
    const body = name && readArgument(text, name.end);
    return name && body ? done(name.name, body.end, body.content) : failure('unreadable name or body');
  }
  if (definer === 'DeclarePairedDelimiter' || definer === 'DeclarePairedDelimiterX') {
    const name = commandName(text, starredEnd);
    const count = name && definer.endsWith('X') ? readOptional(text, name.end) : undefined;
    const left = name && readArgument(text, (count ?? name).end);
    const right = left && readArgument(text, left.end);
    const body = right && definer.endsWith('X') ? readArgument(text, right.end) : right;
    if (!name || !body) return failure('unreadable arguments');
    return done(name.name, body.end, body.content, count ? Number(count.content) || 0 : 1);
  }
  return failure('not a definition command');
}

export interface MacroCollection {
  definitions: MacroDefinition[];
  /** Definitions that could not be read: where (offset into the text) and why. */
  problems: { offset: number; reason: string }[];
}

/** Every definition in a LaTeX source (a preamble, a .sty, a whole file), skipping comments and verbatim. */
export function collectMacros(text: string): MacroCollection {
  const collection: MacroCollection = { definitions: [], problems: [] };
  scanMath(text, {
    language: 'latex',
    math: false,
    watch: definitionCommands,
    onCommand: (name, start, nameEnd) => recordDefinition(collection, text, name, start, nameEnd),
  });
  return collection;
}

/** Reads one definition into `collection`; returns where the scan resumes. */
export function recordDefinition(
  collection: MacroCollection,
  text: string,
  definer: string,
  start: number,
  nameEnd: number,
): number | undefined {
  const read = readDefinition(text, definer, start, nameEnd);
  if (!read.ok) {
    collection.problems.push({ offset: start, reason: read.reason });
    return undefined;
  }
  collection.definitions.push(read.definition);
  return read.end;
}

/** Problems with 1-based lines, for reports. */
export function locateProblems(problems: MacroCollection['problems'], lines: LineIndex) {
  return problems.map((problem) => ({ line: lines.lineOf(problem.offset), message: problem.reason }));
}

/**
 * The definitions as the renderer takes them: one per line, in order, a later definition of a name
 * replacing an earlier one (but `\providecommand` never replaces).
 */
export function macroString(definitions: readonly MacroDefinition[]): string {
  const byName = new Map<string, MacroDefinition>();
  for (const definition of definitions) {
    // `\@foo` names are package internals: a formula cannot call them (@ is not a letter there).
    if (definition.name.includes('@')) continue;
    const key = definitionKey(definition);
    if (definition.definer === 'providecommand' && byName.has(key)) continue;
    byName.delete(key); // re-insert, so the string keeps definition order
    byName.set(key, definition);
  }
  return [...byName.values()].map((definition) => definition.text).join('\n');
}

/** Commands and environments share no namespace: `\proof` and `{proof}` are different names. */
const definitionKey = (definition: MacroDefinition) => (definition.definer.includes('environment') ? 'env:' : '') + definition.name;

/** The names a piece of LaTeX calls: `\name` for commands, `env:name` for environments. */
function namesUsedIn(latex: string): string[] {
  return [...latex.matchAll(/\\begin\s*\{\s*([A-Za-z@*]+)\s*\}|\\([A-Za-z@]+|[^A-Za-z@\s])/g)].map((match) =>
    match[1] ? 'env:' + match[1] : '\\' + match[2],
  );
}

/**
 * The definitions of `macros` (one per line) that `formulas` use, directly or through other
 * definitions, in their original order: the corpus `macros` field is filtered the same way.
 */
export function macrosUsedBy(macros: string, formulas: readonly string[]): string {
  const definitions = collectMacros(macros).definitions;
  const byKey = new Map(definitions.map((definition) => [definitionKey(definition), definition]));
  const used = new Set<MacroDefinition>();
  const pending = formulas.flatMap(namesUsedIn);
  // Each definition is expanded once, so a recursive definition ends the walk instead of looping it.
  for (let name = pending.pop(); name !== undefined; name = pending.pop()) {
    const definition = byKey.get(name);
    if (!definition || used.has(definition)) continue;
    used.add(definition);
    pending.push(...namesUsedIn(definition.text));
  }
  return definitions.filter((definition) => used.has(definition)).map((definition) => definition.text).join('\n');
}

/** Shorthands hep-th papers use without a preamble; applied unless a document defines the name otherwise. */
export const commonShorthands: Shorthands = {
  commands: new Map([
    ['be', { env: 'equation', opens: true }],
    ['ee', { env: 'equation', opens: false }],
    ['beq', { env: 'equation', opens: true }],
    ['eeq', { env: 'equation', opens: false }],
    ['bea', { env: 'eqnarray', opens: true }],
    ['eea', { env: 'eqnarray', opens: false }],
    ['beqa', { env: 'eqnarray', opens: true }],
    ['eeqa', { env: 'eqnarray', opens: false }],
  ]),
  environments: new Map(),
};

const maxAliasDepth = 8;
const beginOrEnd = /^\\(begin|end)\s*\{\s*([A-Za-z]+\*?)\s*\}$/;

/**
 * The shorthands of a document: parameterless commands whose whole body begins or ends a math
 * environment (directly or through a bounded chain of aliases), environments defined as one, and
 * the common shorthands for names the document leaves undefined.
 */
export function shorthandsFrom(definitions: readonly MacroDefinition[]): Shorthands {
  const bodies = new Map<string, string>();
  for (const definition of definitions) {
    if (!definition.definer.includes('environment') && definition.parameters === 0) {
      bodies.set(definition.name.slice(1), definition.body.trim());
    } else bodies.delete(definition.name.slice(1));
  }
  const commands = new Map<string, { env: string; opens: boolean }>();
  for (const [name, { env, opens }] of commonShorthands.commands) {
    if (!bodies.has(name)) commands.set(name, { env, opens });
  }
  for (const name of bodies.keys()) {
    let body = bodies.get(name)!;
    for (let depth = 0; depth < maxAliasDepth && /^\\[A-Za-z@]+$/.test(body) && bodies.has(body.slice(1)); depth++) {
      body = bodies.get(body.slice(1))!;
    }
    const match = beginOrEnd.exec(body);
    if (match && displayEnvironments.has(match[2]!)) commands.set(name, { env: match[2]!, opens: match[1] === 'begin' });
  }
  const environments = new Map<string, string>();
  for (const definition of definitions) {
    if (!definition.definer.includes('environment')) continue;
    const match = beginOrEnd.exec(definition.body.trim());
    if (match?.[1] === 'begin' && displayEnvironments.has(match[2]!)) environments.set(definition.name, match[2]!);
  }
  return { commands, environments };
}
