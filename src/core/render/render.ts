// Renders one formula in the calling thread: MathJax typesetting, then rasterization.
// The worker pool (pool.ts) runs this same code, so every caller gets identical pixels.
import type { RenderRegion } from './geometry';
import { rasterize } from './rasterize';
import { Typesetter } from './typeset';
import type { FormulaInput, RenderIssue, RenderResult } from './types';

let typesetter: Typesetter | undefined;

export interface TimedRenderResult extends RenderResult {
  typesetMs: number;
  rasterMs: number;
}

/**
 * Typesets and rasterizes one formula. Blocks the thread while MathJax runs, without a time
 * budget: outside a worker, use a RenderPool. With `failure` set (the pool's verdict after a
 * timeout or crash), typesets only the source as plain text, which cannot run long.
 */
export async function renderInThisThread(formula: FormulaInput, region: RenderRegion = 'crop', failure?: RenderIssue): Promise<TimedRenderResult> {
  typesetter ??= new Typesetter();
  const started = performance.now();
  const typeset = failure ? typesetter.typesetAsText(formula, [failure]) : typesetter.typeset(formula);
  const typesetDone = performance.now();
  const pixels = await rasterize(typeset, region);
  return {
    pixels,
    degraded: typeset.issues.length > 0,
    issues: typeset.issues,
    typesetMs: typesetDone - started,
    rasterMs: performance.now() - typesetDone,
  };
}
