// A test double for the render + encode pipeline: embeds LaTeX by hashing its character trigrams into
// a unit vector, so formulas sharing text are close. Deterministic and instant; no model needed.
import type { EmbeddedFormula, FormulaEmbedder } from '../../../src/core/search/embedder';
import type { FormulaInput } from '../../../src/core/render';

export const hashingDimensions = 32;

export function hashEmbedding(latex: string): Float32Array {
  const vector = new Float32Array(hashingDimensions);
  const text = ` ${latex.replace(/\s+/g, '')} `;
  for (let i = 0; i + 3 <= text.length; i++) {
    let hash = 2166136261;
    for (let j = i; j < i + 3; j++) hash = Math.imul(hash ^ text.charCodeAt(j), 16777619);
    vector[(hash >>> 0) % hashingDimensions] += 1;
  }
  const norm = Math.hypot(...vector) || 1;
  return vector.map((value) => value / norm);
}

export class HashingEmbedder implements FormulaEmbedder {
  readonly model = { name: 'hashing', path: '(test double)', fingerprint: 'f'.repeat(64) };
  readonly dimensions = hashingDimensions;
  /** Every batch it was asked to embed, for assertions on batching and priorities. */
  readonly calls: { count: number; priority: string }[] = [];

  async embed(formulas: FormulaInput[], priority: 'interactive' | 'batch'): Promise<EmbeddedFormula[]> {
    this.calls.push({ count: formulas.length, priority });
    return formulas.map((formula) => ({
      embedding: hashEmbedding(formula.latex),
      degraded: formula.latex.includes('\\unknownmacro'),
      issues: [],
      renderMs: 0,
    }));
  }

  /** Pictures hash like text of their bytes: equal pictures get equal vectors. */
  async embedPictures(pictures: readonly Uint8Array[]): Promise<Float32Array[]> {
    this.calls.push({ count: pictures.length, priority: 'pictures' });
    return pictures.map((picture) => hashEmbedding(Buffer.from(picture).toString('latin1')));
  }

  async close(): Promise<void> {}
}
