// Indexing: papers with their extracted formulas → the catalogue, in durable batches, so an interrupted build keeps
// what it finished and a re-run skips unchanged papers. Nothing is rendered for the catalogue. The sidecars the
// active fusion weighs are built with it: the numeric signatures (numeric-store.ts) batch by batch, and the bitmap
// model's vectors and graph (bitmap-store.ts) at the end when a bitmap pipeline is given (the fusion weighs the
// bitmap signal, or the user asked); otherwise a search builds them when it first needs them. Into a PostgreSQL index
// run only the catalogue is written: each searcher derives the sidecars in its own cache.
import type { CatalogueWriter } from '../index/catalogue';
import { FormulaIndex } from '../index/store';
import type { FormulaLocation, IndexedPaper, IndexError } from '../index/types';
import { errorMessage, fail, ok, type Result } from '../result';
import { BitmapSidecar } from './bitmap-store';
import type { FormulaEmbedder } from './embedder';
import { fusionWeighs } from './hybrid';
import { recordNumericSignatures } from './numeric-store';

export interface PaperFormulas {
  paper: IndexedPaper;
  formulas: FormulaLocation[];
}

export interface BuildProgress {
  papersDone: number;
  papersTotal: number;
  formulasDone: number;
  formulasTotal: number;
}

export interface BuildOptions {
  /** Formulas per committed batch (default 2000): smaller = more durable progress, more commits. */
  batchFormulas?: number;
  onProgress?(progress: BuildProgress): void;
  /** Store the formulas' numeric signatures (default: when models/fusion.json weighs the numeric signal). */
  numericSignatures?: boolean;
  /** Also build this bitmap model's sidecar (its vectors and graph), rendering what it lacks. */
  bitmap?: FormulaEmbedder;
  /** Formulas rendered for the bitmap sidecar so far. */
  onBitmapProgress?(done: number, total: number): void;
  /** Stops between batches; what was committed stays. */
  signal?: AbortSignal;
}

export interface BuildSummary {
  indexed: number;
  /** Papers whose content hash equals the indexed one. */
  unchanged: number;
  formulas: number;
  /** Formulas the bitmap sidecar's build rendered (0 without `bitmap`), and those whose rendering was degraded. */
  rendered: number;
  degraded: number;
}

/** Adds (or replaces) the papers in the index; papers already indexed with the same content hash are skipped. */
export async function indexPapers(index: CatalogueWriter, papers: PaperFormulas[], options: BuildOptions = {}): Promise<Result<BuildSummary, IndexError>> {
  const batchFormulas = options.batchFormulas ?? 2000;
  // A folder keeps its sidecars; the searchers of a database derive theirs into their own cache.
  const folder = index instanceof FormulaIndex ? index : undefined;
  const storeSignatures = options.numericSignatures ?? fusionWeighs('numeric');
  const pending = papers.filter(({ paper }) => {
    const indexed = index.paper(paper.id);
    return !(indexed && paper.contentHash !== undefined && indexed.contentHash === paper.contentHash);
  });
  const summary: BuildSummary = { indexed: 0, unchanged: papers.length - pending.length, formulas: 0, rendered: 0, degraded: 0 };
  const progress: BuildProgress = {
    papersDone: 0,
    papersTotal: pending.length,
    formulasDone: 0,
    formulasTotal: pending.reduce((sum, { formulas }) => sum + formulas.length, 0),
  };
  options.onProgress?.({ ...progress });
  for (let start = 0; start < pending.length; ) {
    // Writing the catalogue is synchronous: between batches the event loop runs, so that the engine answers
    // other requests and hears a cancel meanwhile.
    await new Promise((resolve) => setImmediate(resolve));
    if (options.signal?.aborted) break;
    const batch: PaperFormulas[] = [];
    let size = 0;
    while (start < pending.length && (batch.length === 0 || size + pending[start]!.formulas.length <= batchFormulas)) {
      size += pending[start]!.formulas.length;
      batch.push(pending[start++]!);
    }
    if (storeSignatures && folder) {
      const inputs = batch.flatMap(({ paper, formulas }) => formulas.map((formula) => ({ latex: formula.latex, macros: paper.macros })));
      try {
        await recordNumericSignatures(folder.directory, inputs);
      } catch (error) {
        return fail({ kind: 'io', message: `Storing the numeric signatures in ${folder.directory} failed (${errorMessage(error)}).` });
      }
    }
    const updated = await index.update({ add: batch });
    if (!updated.ok) return fail(updated.reason);
    summary.indexed += batch.length;
    summary.formulas += size;
    progress.papersDone += batch.length;
    progress.formulasDone += size;
    options.onProgress?.({ ...progress });
  }
  if (options.bitmap && folder && !options.signal?.aborted) {
    try {
      const sidecar = await BitmapSidecar.open(folder, options.bitmap, { batchFormulas, onProgress: options.onBitmapProgress, signal: options.signal });
      sidecar?.prepareGraph();
      summary.rendered = sidecar?.rendered.formulas ?? 0;
      summary.degraded = sidecar?.rendered.degraded ?? 0;
    } catch (error) {
      return fail({ kind: 'io', message: `Building the bitmap vectors of ${folder.directory} failed (${errorMessage(error)}); the catalogue is indexed, a bitmap search builds them again.` });
    }
  }
  return ok(summary);
}
