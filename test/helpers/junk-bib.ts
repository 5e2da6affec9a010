// Generated junk for .bib files: the kinds that made the whole-file parser hang (stray "@", entries
// never closed, braces, binary), mixed and reproducible.
import { seededRandom } from '../../src/core/seeded-random';

const kinds: ((random: () => number, chars: number) => string)[] = [
  // binary, read as Latin-1
  (random, chars) => Array.from({ length: chars }, () => String.fromCharCode(Math.floor(random() * 256))).join(''),
  // printable noise with "@", braces and a newline now and then
  (random, chars) => Array.from({ length: chars }, () => (random() < 0.02 ? '\n' : String.fromCharCode(32 + Math.floor(random() * 95)))).join(''),
  // "@", "a", "{" and spaces: the parser's worst case (9.6 s for 100 KB)
  (random, chars) => Array.from({ length: chars }, () => ' @a{'[Math.floor(random() * 4)]).join(''),
  // entries that never close, one line each
  (_random, chars) => '@article{x, title = {\n'.repeat(Math.ceil(chars / 22)).slice(0, chars),
  // entries that never close, on one line
  (_random, chars) => '@article{x, title = {'.repeat(Math.ceil(chars / 21)).slice(0, chars),
];

/** About `chars` characters of junk in pieces of every kind, the same for the same seed. */
export function junkBib(chars: number, seed = 1): string {
  const random = seededRandom(seed);
  const piece = Math.ceil(chars / kinds.length);
  return kinds.map((kind) => `\n${kind(random, piece)}\n`).join('');
}
