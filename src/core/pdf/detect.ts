// Display formulas on a page, from its glyphs and rules alone: the page is split into columns, each
// column into rows (glyphs whose ink overlaps vertically, so a fraction or a big operator with limits
// stays one row), and a run of rows set apart from the column's margins whose glyphs are mostly math
// is a display. An equation number at either margin is cut off first, so it neither counts as the
// formula's ink nor spoils the test for being set apart. docs/pdf.md gives the thresholds' reasons.
import { isMathChar, isMathFont, isTextLetter } from './glyphs';
import type { Box, Glyph, PageMarks, PdfFormula, Rule } from './types';

/** Rows whose ink overlaps by less than this (in em) are separate rows: lines of text only touch. */
const ROW_OVERLAP_EM = 0.1;
/** A row is set apart when both margins are at least this far (multline's first row sits 1 em in). */
const APART_EM = 0.8;
/** Rows of one display (align, gather, a split fraction) are closer than this; displays and text are further. */
const SAME_DISPLAY_GAP_EM = 1.0;
/** Limits and fraction parts sit this close to their display's main row; text keeps further from a display. */
const HUGGING_EM = 0.35;
/** An equation number is at least this far from the formula. */
const NUMBER_GAP_EM = 1.0;
/** A display's glyphs: at least this share of math among the math glyphs and text letters. */
const MATH_SHARE = 0.4;
/** A centred block with display skips around it needs less (`\\mathrm`, `\\text` and `\\operatorname` letters are text). */
const CENTRED_MATH_SHARE = 0.25;
/** A numbered display may be mostly words (`\\text{…}`): an equation number is evidence enough of a display. */
const NUMBERED_MATH_SHARE = 0.15;
/** A row as wide as the column is a display's only when it is nearly all math (prose with inline math is not). */
const FULL_WIDTH_MATH_SHARE = 0.75;
/** Text lines' ink is about 0.25 em apart; a display keeps at least this from the text around it. */
const ISOLATED_EM = 0.45;

const EQUATION_NUMBER = /^\((?:[A-Za-z]{0,3}\d{1,4}(?:[.\-–]\d{1,4})*[a-z]?|[ivx]{1,5}|[*∗⋆†‡]{1,3})['′*]?\)$/;

interface Row {
  glyphs: Glyph[];
  top: number;
  bottom: number;
  /** Without its equation number. */
  left: number;
  right: number;
  number?: Glyph[];
}

function union(boxes: Box[]): Box {
  return {
    left: Math.min(...boxes.map((box) => box.left)),
    bottom: Math.min(...boxes.map((box) => box.bottom)),
    right: Math.max(...boxes.map((box) => box.right)),
    top: Math.max(...boxes.map((box) => box.top)),
  };
}

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.round((sorted.length - 1) * p)))]!;
}

/** The most frequent glyph size (to 0.1 pt), the larger on a tie: the page's body text. */
function dominantSize(glyphs: Glyph[]): number {
  const counts = new Map<number, number>();
  for (const glyph of glyphs) {
    const size = Math.round(glyph.size * 10) / 10;
    counts.set(size, (counts.get(size) ?? 0) + 1);
  }
  let best = 0;
  let bestCount = 0;
  for (const [size, count] of counts) {
    if (count > bestCount || (count === bestCount && size > best)) [best, bestCount] = [size, count];
  }
  return best;
}

/**
 * Splits a page's glyphs at a gutter: a vertical strip in the middle of the text that (almost) no glyph
 * covers. Titles and the rare full-width display cross the gutter, so a few glyphs may cover it.
 */
function splitColumns(glyphs: Glyph[], em: number): Glyph[][] {
  const left = percentile(glyphs.map((glyph) => glyph.box.left), 0.01);
  const right = percentile(glyphs.map((glyph) => glyph.box.right), 0.99);
  const width = Math.floor(right - left);
  if (width < 20 * em) return [glyphs];
  const coverage = new Int32Array(width + 1);
  for (const glyph of glyphs) {
    const from = Math.max(0, Math.floor(glyph.box.left - left));
    const to = Math.min(width, Math.ceil(glyph.box.right - left));
    for (let bin = from; bin < to; bin++) coverage[bin]!++;
  }
  const limit = Math.max(2, glyphs.length * 0.005);
  let best: { from: number; to: number } | undefined;
  let start = -1;
  for (let bin = Math.floor(width * 0.3); bin <= Math.ceil(width * 0.7); bin++) {
    if (coverage[bin]! <= limit) {
      if (start < 0) start = bin;
      if (!best || bin - start > best.to - best.from) best = { from: start, to: bin };
    } else start = -1;
  }
  if (!best || best.to - best.from < 0.5 * em) return [glyphs];
  const gutter = left + (best.from + best.to) / 2;
  const leftOfGutter = (glyph: Glyph): boolean => glyph.box.left + glyph.box.right <= 2 * gutter;
  return [glyphs.filter(leftOfGutter), glyphs.filter((glyph) => !leftOfGutter(glyph))];
}

/** Rows of a column, top to bottom: glyphs joined while their ink overlaps the row's vertically. */
function buildRows(glyphs: Glyph[], em: number): Row[] {
  const sorted = [...glyphs].sort((a, b) => b.box.top - a.box.top);
  const rows: Row[] = [];
  let current: Row | undefined;
  for (const glyph of sorted) {
    if (current && glyph.box.top > current.bottom + ROW_OVERLAP_EM * em) {
      current.glyphs.push(glyph);
      current.bottom = Math.min(current.bottom, glyph.box.bottom);
    } else {
      current = { glyphs: [glyph], top: glyph.box.top, bottom: glyph.box.bottom, left: 0, right: 0 };
      rows.push(current);
    }
  }
  for (const row of rows) {
    row.glyphs.sort((a, b) => a.box.left - b.box.left);
    row.left = row.glyphs[0]!.box.left;
    row.right = Math.max(...row.glyphs.map((glyph) => glyph.box.right));
  }
  return rows;
}

/** The column's text block: where its wide rows (text lines) start and end. */
function columnBounds(rows: Row[]): { left: number; right: number } {
  // Percentiles, not extremes: an overfull display may run far into the margin.
  const left = percentile(rows.map((row) => row.left), 0.05);
  const right = percentile(rows.map((row) => row.right), 0.95);
  const wide = rows.filter((row) => row.right - row.left >= 0.7 * (right - left));
  if (wide.length === 0) return { left, right };
  return { left: percentile(wide.map((row) => row.left), 0.5), right: percentile(wide.map((row) => row.right), 0.5) };
}

const joined = (glyphs: Glyph[]): string => glyphs.map((glyph) => glyph.text).join('');

/** Cuts an equation number off the row's end (or start, for leqno) when one stands apart at the margin. */
function cutNumber(row: Row, column: { left: number; right: number }, em: number): void {
  const glyphs = row.glyphs;
  // A number pushed below an overfull display stands alone on its row at the right margin.
  if (row.right >= column.right - em && row.left > column.left + em && EQUATION_NUMBER.test(joined(glyphs).replace(/\s+/g, ''))) {
    row.number = glyphs;
    row.glyphs = [];
    return;
  }
  const gaps = glyphs.flatMap((glyph, i) => (i > 0 && glyph.box.left - glyphs[i - 1]!.box.right >= NUMBER_GAP_EM * em ? [i] : []));
  for (const side of ['right', 'left'] as const) {
    // The segment after the last wide gap (before the first, for the left side).
    const split = side === 'right' ? gaps[gaps.length - 1] : gaps[0];
    if (split === undefined) continue;
    const number = side === 'right' ? glyphs.slice(split) : glyphs.slice(0, split);
    const rest = side === 'right' ? glyphs.slice(0, split) : glyphs.slice(split);
    const atMargin =
      side === 'right'
        ? Math.max(...number.map((glyph) => glyph.box.right)) >= column.right - em
        : number[0]!.box.left <= column.left + em;
    if (!atMargin || !EQUATION_NUMBER.test(joined(number).replace(/\s+/g, ''))) continue;
    row.number = number;
    row.glyphs = rest;
    row.left = rest[0]!.box.left;
    row.right = Math.max(...rest.map((glyph) => glyph.box.right));
    return;
  }
}

/** Indented from both margins: a centred display, or one row of it. */
function isApart(row: Row, column: { left: number; right: number }, em: number): boolean {
  return row.left - column.left >= APART_EM * em && column.right - row.right >= APART_EM * em;
}

/** A row that may belong to a display: set apart, numbered, or math through and through (a display as wide as the column). */
function displayLike(row: Row, column: { left: number; right: number }, em: number): boolean {
  return isApart(row, column, em) || row.number !== undefined || mathShare(row.glyphs) >= FULL_WIDTH_MATH_SHARE;
}

/**
 * The share of math among math-font glyphs, math symbols and letters set in text fonts (digits and
 * punctuation count for neither); 0 below two math glyphs.
 */
function mathShare(glyphs: Glyph[]): number {
  let math = 0;
  let text = 0;
  for (const glyph of glyphs) {
    if (isMathFont(glyph.font) || isMathChar(glyph.text)) math++;
    else if (isTextLetter(glyph.text) && !/^\p{N}/u.test(glyph.text)) text++;
  }
  return math >= 2 ? math / (math + text) : 0;
}

/** The formula's glyph text in content-stream order: a space at a visible gap, a newline between rows. */
function readingText(glyphs: Glyph[], rowOf: Map<Glyph, number>, em: number): string {
  const ordered = [...glyphs].sort((a, b) => a.order - b.order);
  let text = '';
  let previous: Glyph | undefined;
  for (const glyph of ordered) {
    if (previous) {
      if (rowOf.get(glyph)! > rowOf.get(previous)!) text += '\n';
      else if (glyph.box.left - previous.box.right > 0.25 * em && Math.abs(glyph.baseline - previous.baseline) < 0.3 * em) text += ' ';
    }
    text += glyph.text;
    previous = glyph;
  }
  return text.replace(/ +\n|\n +/g, '\n').trim();
}

function inside(box: Box, frame: Box): boolean {
  return box.left >= frame.left && box.right <= frame.right && box.bottom >= frame.bottom && box.top <= frame.top;
}

/** The display formulas of one page (1-based `page`), top to bottom per column, left column first. */
export function findDisplays(marks: PageMarks, page: number): PdfFormula[] {
  const glyphs = marks.glyphs.filter((glyph) => glyph.box.right > glyph.box.left && glyph.box.top > glyph.box.bottom);
  if (glyphs.length === 0) return [];
  const em = dominantSize(glyphs);
  if (em <= 0) return [];
  const formulas: PdfFormula[] = [];
  for (const columnGlyphs of splitColumns(glyphs, em)) {
    if (columnGlyphs.length === 0) continue;
    const rows = buildRows(columnGlyphs, em);
    const column = columnBounds(rows);
    for (const row of rows) cutNumber(row, column, em);
    const likeAlone = rows.map((row) => row.number !== undefined || (row.glyphs.length > 0 && displayLike(row, column, em)));
    const gap = (upper: number, lower: number): number => rows[upper]!.bottom - rows[lower]!.top;
    // The main row of a display too wide to be set apart still belongs to the limits or fraction rows hugging it.
    const like = likeAlone.map(
      (alone, i) =>
        alone ||
        (mathShare(rows[i]!.glyphs) >= MATH_SHARE &&
          ((i > 0 && likeAlone[i - 1]! && gap(i - 1, i) <= HUGGING_EM * em) || (i + 1 < rows.length && likeAlone[i + 1]! && gap(i, i + 1) <= HUGGING_EM * em))),
    );
    const blocks: Row[][] = [];
    let block: Row[] = [];
    for (const [i, row] of rows.entries()) {
      const previous = block[block.length - 1];
      if (like[i] && previous && previous.bottom - row.top <= SAME_DISPLAY_GAP_EM * em) {
        block.push(row);
        continue;
      }
      if (block.length > 0) blocks.push(block);
      block = like[i] ? [row] : [];
    }
    if (block.length > 0) blocks.push(block);
    for (const rowsOfBlock of blocks) {
      const index = rows.indexOf(rowsOfBlock[0]!);
      const above = index > 0 ? rows[index - 1]!.bottom - rowsOfBlock[0]!.top : Infinity;
      const after = rows[index + rowsOfBlock.length];
      const below = after ? rowsOfBlock[rowsOfBlock.length - 1]!.bottom - after.top : Infinity;
      const isolated = above >= ISOLATED_EM * em && below >= ISOLATED_EM * em;
      const numbered = rowsOfBlock.some((row) => row.number !== undefined);
      const indented = rowsOfBlock.some((row) => isApart(row, column, em));
      // The more layout says "display", the less math its glyphs need to show.
      const share = numbered ? NUMBERED_MATH_SHARE : indented && isolated ? CENTRED_MATH_SHARE : MATH_SHARE;
      const formula = isolated || numbered || indented ? toFormula(rowsOfBlock, marks.rules, page, em, share) : undefined;
      if (formula) formulas.push(formula);
    }
  }
  return formulas;
}

function toFormula(rows: Row[], pageRules: Rule[], page: number, pageEm: number, minMathShare: number): PdfFormula | undefined {
  const glyphs = rows.flatMap((row) => row.glyphs);
  if (mathShare(glyphs) < minMathShare) return undefined;
  const rowOf = new Map<Glyph, number>();
  rows.forEach((row, index) => row.glyphs.forEach((glyph) => rowOf.set(glyph, index)));
  // Displays are set in the body's size; a formula's own most frequent size may be its scripts' (fractions in exponents).
  const emSize = pageEm;
  const ink = union(glyphs.map((glyph) => glyph.box));
  // Fraction bars and radical rules lie inside the glyphs' box or just above it; frames and table rules are larger.
  const frame = { left: ink.left - 0.5 * emSize, right: ink.right + 0.5 * emSize, bottom: ink.bottom - 0.3 * emSize, top: ink.top + 0.5 * emSize };
  const rules = pageRules.filter((rule) => inside(rule.box, frame));
  const numbers = rows.flatMap((row) => (row.number ? [joined(row.number).replace(/\s+/g, '')] : []));
  return {
    page,
    box: union([ink, ...rules.map((rule) => rule.box)]),
    text: readingText(glyphs, rowOf, emSize),
    ...(numbers.length > 0 ? { number: numbers.join(' ') } : {}),
    emSize,
    glyphs: [...glyphs].sort((a, b) => a.order - b.order),
    rules,
  };
}
