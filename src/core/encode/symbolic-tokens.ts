// A formula as the symbolic encoder reads it: the project tokenizer with the document's macros expanded,
// then canonicalized and mapped to vocabulary ids (the same steps as training/symbolic.py through
// training/tokenizer.py, so the model sees in the product what it saw in training).
import { canonicalize } from '../latex/canonical';
import { tokenizeFormula, type Token } from '../latex/tokenize';
import { vocabulary } from '../latex/tokenize-vocab';

/** Canonical tokens of a formula; none when the tokenizer refuses it (over its length limit). */
export function canonicalTokens(latex: string, macros = ''): Token[] {
  const tokenized = tokenizeFormula(latex, macros);
  return tokenized.ok ? canonicalize(tokenized.tokens) : [];
}

const BOS_ID = vocabulary.id('[BOS]');

/**
 * The model input row: [BOS] then the first `maxLength − 1` canonical token ids. A refused formula
 * becomes [BOS, UNK], as in training.
 */
export function symbolicTokenIds(latex: string, macros: string | undefined, maxLength: number): Int32Array {
  const tokenized = tokenizeFormula(latex, macros);
  const ids = tokenized.ok ? vocabulary.encode(canonicalize(tokenized.tokens).slice(0, maxLength - 1)) : Int32Array.of(vocabulary.unknownId);
  const row = new Int32Array(ids.length + 1);
  row[0] = BOS_ID;
  row.set(ids, 1);
  return row;
}
