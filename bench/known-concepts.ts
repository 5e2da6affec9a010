// The known-concept relevance set (bench/known-concepts.json, issue 19 item 5): author-typed queries over the
// bundled default library with graded, hand-judged relevant formulas. Shared by its bench and its integrity test.
import { readFileSync } from 'node:fs';
import * as path from 'node:path';

/** 2: the same concept or mathematics; 1: closely related (a variant, a special case, a formula containing it). */
export type Grade = 1 | 2;

/** A relevant library formula, named by paper id and exact LaTeX so that judgments survive re-indexing. */
export interface Judgment {
  paper: string;
  latex: string;
  grade: Grade;
}

export interface ConceptQuery {
  id: string;
  concept: string;
  /** The formula as an author would type it, in notation other than the library's. */
  query: string;
  relevant: Judgment[];
}

export interface KnownConceptSet {
  about: string;
  queries: ConceptQuery[];
}

export const knownConceptsFile = path.join(__dirname, 'known-concepts.json');

export function readKnownConcepts(file = knownConceptsFile): KnownConceptSet {
  return JSON.parse(readFileSync(file, 'utf8')) as KnownConceptSet;
}

/** The key a judgment and a stored formula share. */
export function formulaKey(paper: string, latex: string): string {
  return `${paper}\u0000${latex}`;
}
