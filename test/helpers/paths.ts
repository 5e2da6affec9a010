// Paths the tests share: the repo root, the TypeScript entry points run through tsx, the corpus.
import { existsSync } from 'node:fs';
import * as path from 'node:path';

export const repoRoot = path.resolve(__dirname, '..', '..');

/** Arguments that run a TypeScript entry point of the repo in a fresh Node process. */
export function tsxArgs(entry: string, ...args: string[]): string[] {
  return ['--import', 'tsx', path.join(repoRoot, entry), ...args];
}

/**
 * The shared corpus (papers.jsonl), or undefined when this checkout has no ../shared beside it.
 * FORMULA_LENS_CORPUS overrides the location.
 */
export function corpusPath(): string | undefined {
  const candidate = process.env.FORMULA_LENS_CORPUS ?? path.resolve(repoRoot, '..', 'shared', 'corpus', 'papers.jsonl');
  return existsSync(candidate) ? candidate : undefined;
}

/** The skip reason tests that need the corpus give when it is absent. */
export const noCorpusReason = 'needs ../shared/corpus/papers.jsonl (or FORMULA_LENS_CORPUS); absent in this checkout';
