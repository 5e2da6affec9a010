// Indexing: papers with their extracted formulas → rendered, embedded → added to the index in
// durable batches, so an interrupted build keeps what it finished and a re-run skips unchanged papers.
// When the fusion weighs the numeric signal, each batch's numeric signatures are computed while it renders and
// stored beside the index (numeric-store.ts); otherwise nothing pays for them until a search needs them.
import type { FormulaIndex } from '../index/store';
import type { FormulaLocation, IndexedPaper, IndexError } from '../index/types';
import { errorMessage, fail, ok, type Result } from '../result';
import type { FormulaEmbedder } from './embedder';
import { fusionWeighsNumeric } from './hybrid';
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
  /** Stops before the next batch (the finished ones stay committed). */
  signal?: AbortSignal;
}

export interface BuildSummary {
  indexed: number;
  /** Papers whose content hash equals the indexed one. */
  unchanged: number;
  formulas: number;
  /** Formulas whose rendering was degraded (still indexed, with the best bitmap we could make). */
  degraded: number;
}

/** Adds (or replaces) the papers in the index; papers already indexed with the same content hash are skipped. */
export async function indexPapers(
  index: FormulaIndex,
  embedder: FormulaEmbedder,
  papers: PaperFormulas[],
  options: BuildOptions = {},
): Promise<Result<BuildSummary, IndexError>> {
  const batchFormulas = options.batchFormulas ?? 2000;
  const storeSignatures = options.numericSignatures ?? fusionWeighsNumeric();
  const pending = papers.filter(({ paper }) => {
    const indexed = index.paper(paper.id);
    return !(indexed && paper.contentHash !== undefined && indexed.contentHash === paper.contentHash);
  });
  const summary: BuildSummary = { indexed: 0, unchanged: papers.length - pending.length, formulas: 0, degraded: 0 };
  const progress: BuildProgress = {
    papersDone: 0,
    papersTotal: pending.length,
    formulasDone: 0,
    formulasTotal: pending.reduce((sum, { formulas }) => sum + formulas.length, 0),
  };
  options.onProgress?.({ ...progress });
  for (let start = 0; start < pending.length && !options.signal?.aborted; ) {
    const batch: PaperFormulas[] = [];
    let size = 0;
    while (start < pending.length && (batch.length === 0 || size + pending[start].formulas.length <= batchFormulas)) {
      size += pending[start].formulas.length;
      batch.push(pending[start++]);
    }
    const inputs = batch.flatMap(({ paper, formulas }) =>
      formulas.map((formula) => ({ latex: formula.latex, macros: paper.macros, display: !formula.inline, env: formula.env })),
    );
    // The signatures are computed on this thread while the render workers draw the batch.
    const signatures = (storeSignatures ? recordNumericSignatures(index.directory, inputs) : Promise.resolve()).then(
      () => undefined,
      (error: unknown) => `Storing the numeric signatures in ${index.directory} failed (${errorMessage(error)}).`,
    );
    const [embedded, signatureFailure] = await Promise.all([embedder.embed(inputs, 'batch'), signatures]);
    if (signatureFailure) return fail({ kind: 'io', message: signatureFailure });
    let next = 0;
    const add = batch.map(({ paper, formulas }) => ({
      paper,
      formulas: formulas.map((formula) => {
        const result = embedded[next++];
        if (result.degraded) summary.degraded += 1;
        return { ...formula, embedding: result.embedding };
      }),
    }));
    const updated = index.update({ add });
    if (!updated.ok) return fail(updated.reason);
    summary.indexed += batch.length;
    summary.formulas += size;
    progress.papersDone += batch.length;
    progress.formulasDone += size;
    options.onProgress?.({ ...progress });
  }
  return ok(summary);
}
