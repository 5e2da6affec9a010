// The render stage: LaTeX body + document macros → the encoder's 333×32 grayscale bitmap.
export * from './geometry';
export type { FormulaInput, RenderIssue, RenderIssueKind, RenderResult } from './types';
export { RenderPool, type RenderOptions, type RenderPoolOptions, type RenderPriority } from './pool';
export { renderInThisThread, type TimedRenderResult } from './render';
