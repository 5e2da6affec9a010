// The LaTeX reader's public API. Two users:
//  - the engine's cursor path: `findMathAt(text, offset, 'latex' | 'markdown')` → the formula or undefined;
//  - the indexer: `extractProject(mainFileOrFolder)` → metadata, macros, formulas with file/line/section/env, problems.
export { findMathAt, type FindMathOptions } from './find-math';
export { normalizeFormula } from './normalize';
export { collectMacros, commonShorthands, macroString, macrosUsedBy, shorthandsFrom, type MacroDefinition } from './macros';
export { extractProject, findMainFile, type ExtractOptions } from './project';
export { decodeSource, readSource } from './read';
export { scanMath, type Shorthands } from './scan';
export type * from './types';
