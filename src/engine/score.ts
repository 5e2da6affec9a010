// The score the results view shows (issue 20), one scale in every search mode. Each signal's similarity is
// already relative to the query's own: 1.0 is as alike as the query to itself (BM25 signals divide by the
// query's self-score; the embeddings are unit vectors, so a formula's cosine with itself is 1). The embedding
// cosines run high for unrelated formulas, though: measured on the bundled library (50,000 pairs of formulas
// from different papers, the shipped models; `npm run bench score-scale`), 1 pair in 100 has a bitmap cosine
// above 0.982 and a symbolic one above 0.789. So an embedding signal counts only what it has above that chance level, stretched back to
// [0, 1]; the BM25 signals share few terms between unrelated formulas and count as they are. The score is the
// search mode's weighted sum of these, the same sum it ranks by.
import type { SignalName } from './protocol';

/** A cosine that 1 in 100 pairs of formulas from unrelated papers reaches (see above). */
const chanceCosine: Partial<Record<SignalName, number>> = { bitmap: 0.982, symbolic: 0.789 };

export interface SignalPart {
  signal: SignalName;
  /** Its weight in the search mode. */
  weight: number;
  /** Its similarity on the shown scale, in [0, 1]. */
  similarity: number;
}

export interface ShownScore {
  /** Σ weight × similarity over `parts`, in [0, 1]. */
  value: number;
  /** The signals the mode weighs, the heaviest first. */
  parts: SignalPart[];
}

/** A signal's similarity on the shown scale. */
export function shownSimilarity(signal: SignalName, similarity: number): number {
  const chance = chanceCosine[signal] ?? 0;
  return Math.min(1, Math.max(0, (similarity - chance) / (1 - chance)));
}

/** The shown score of a formula from its signals' similarities and the mode's weights. */
export function shownScore(similarities: Partial<Record<SignalName, number>>, weights: Partial<Record<SignalName, number>>): ShownScore {
  const parts = (Object.entries(weights) as [SignalName, number][])
    .filter(([, weight]) => weight > 0)
    .sort((a, b) => b[1] - a[1])
    .map(([signal, weight]) => ({ signal, weight, similarity: shownSimilarity(signal, similarities[signal] ?? 0) }));
  return { value: parts.reduce((sum, part) => sum + part.weight * part.similarity, 0), parts };
}
