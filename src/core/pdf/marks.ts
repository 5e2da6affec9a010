// A page's operator list (pdf.js) → what is drawn on it: glyphs with their outlines and positions, and
// painted paths (TeX's fraction bars, radicals' rules). Only what formulas need is interpreted: the
// graphics state's transform, text state, paths and form XObjects; colour only to leave out white ink.
// Coordinates are the page's user space in points, y up.
import { glyphText } from './glyphs';
import type { Box, Glyph, Matrix, PageMarks, Rule } from './types';

/** pdf.js's operator codes, by name (the `OPS` table of the module, passed in so this file loads without it). */
export type OpsTable = Record<string, number>;

/** The parts of pdf.js's glyph objects (`showText` arguments) read here. */
interface PdfJsGlyph {
  unicode: string;
  fontChar: string;
  originalCharCode?: number;
  width: number;
  isSpace: boolean;
  isInFont: boolean;
  accent?: { fontChar: string; offset: { x: number; y: number } } | null;
}

/** The parts of pdf.js's font objects read here. */
export interface PdfJsFont {
  name?: string;
  loadedName?: string;
  fontMatrix?: number[];
  isType3Font?: boolean;
  missingFile?: boolean;
  vertical?: boolean;
  ascent?: number;
  descent?: number;
}

/** Where pdf.js keeps fonts and glyph outlines of a page (its `commonObjs`). */
export interface FontStore {
  has(id: string): boolean;
  get(id: string): unknown;
}

const IDENTITY: Matrix = [1, 0, 0, 1, 0, 0];
const DRAW = { moveTo: 0, lineTo: 1, curveTo: 2, quadraticCurveTo: 3, closePath: 4 };

/** m1 applied after m2 (PDF's row-vector convention: `multiply(m, ctm)` is m in the space of ctm). */
export function multiply(m1: Matrix, m2: Matrix): Matrix {
  return [
    m1[0] * m2[0] + m1[1] * m2[2],
    m1[0] * m2[1] + m1[1] * m2[3],
    m1[2] * m2[0] + m1[3] * m2[2],
    m1[2] * m2[1] + m1[3] * m2[3],
    m1[4] * m2[0] + m1[5] * m2[2] + m2[4],
    m1[4] * m2[1] + m1[5] * m2[3] + m2[5],
  ];
}

export function apply(m: Matrix, x: number, y: number): [number, number] {
  return [m[0] * x + m[2] * y + m[4], m[1] * x + m[3] * y + m[5]];
}

/** The bounding box of a pdf.js draw-ops path (control points included: a safe, slightly loose box). */
function pathBox(path: ArrayLike<number>, m: Matrix): Box | undefined {
  let left = Infinity;
  let bottom = Infinity;
  let right = -Infinity;
  let top = -Infinity;
  forEachPoint(path, (x, y) => {
    const [px, py] = apply(m, x, y);
    left = Math.min(left, px);
    right = Math.max(right, px);
    bottom = Math.min(bottom, py);
    top = Math.max(top, py);
  });
  return left <= right ? { left, bottom, right, top } : undefined;
}

/** The box around a box's corners under `m` (exact for the scalings and translations of text). */
function transformBox(box: Box, m: Matrix): Box {
  const corners = [apply(m, box.left, box.bottom), apply(m, box.right, box.bottom), apply(m, box.left, box.top), apply(m, box.right, box.top)];
  const xs = corners.map(([x]) => x);
  const ys = corners.map(([, y]) => y);
  return { left: Math.min(...xs), bottom: Math.min(...ys), right: Math.max(...xs), top: Math.max(...ys) };
}

function forEachPoint(path: ArrayLike<number>, visit: (x: number, y: number) => void): void {
  for (let i = 0; i < path.length; ) {
    const op = path[i++];
    const count = op === DRAW.curveTo ? 3 : op === DRAW.quadraticCurveTo ? 2 : op === DRAW.closePath ? 0 : 1;
    if (op === undefined || op > DRAW.closePath) return; // unknown operator: the rest cannot be parsed
    for (let k = 0; k < count; k++, i += 2) visit(path[i]!, path[i + 1]!);
  }
}

interface TextState {
  font: PdfJsFont | undefined;
  fontName: string;
  fontSize: number;
  fontDirection: number;
  textMatrix: Matrix;
  x: number;
  y: number;
  lineX: number;
  lineY: number;
  charSpacing: number;
  wordSpacing: number;
  hScale: number;
  leading: number;
  rise: number;
  renderingMode: number;
}

interface GraphicsState {
  ctm: Matrix;
  lineWidth: number;
  fillInk: boolean;
  strokeInk: boolean;
  text: TextState;
}

/** Whether a pdf.js colour ("#rrggbb") leaves a mark on white paper: anything but near-white does. */
function isInk(color: unknown): boolean {
  if (typeof color !== 'string' || !/^#[0-9a-f]{6}$/i.test(color)) return true;
  const value = Number.parseInt(color.slice(1), 16);
  const luminance = 0.299 * (value >> 16) + 0.587 * ((value >> 8) & 0xff) + 0.114 * (value & 0xff);
  return luminance < 230;
}

const FILL_OPS = ['fill', 'eoFill', 'fillStroke', 'eoFillStroke', 'closeFillStroke', 'closeEOFillStroke'];
const STROKE_OPS = ['stroke', 'closeStroke', 'fillStroke', 'eoFillStroke', 'closeFillStroke', 'closeEOFillStroke'];
const IMAGE_OPS = [
  'paintImageXObject',
  'paintInlineImageXObject',
  'paintImageMaskXObject',
  'paintImageXObjectRepeat',
  'paintImageMaskXObjectRepeat',
  'paintInlineImageXObjectGroup',
  'paintImageMaskXObjectGroup',
];

/** Walks one page's operator list and collects its glyphs and painted paths. */
export function collectMarks(fnArray: ArrayLike<number>, argsArray: unknown[], fonts: FontStore, OPS: OpsTable): PageMarks {
  const glyphs: Glyph[] = [];
  const rules: Rule[] = [];
  let images = 0;
  const name = new Map<number, string>(Object.entries(OPS).map(([key, code]) => [code, key]));
  const fills = new Set(FILL_OPS.map((op) => OPS[op]));
  const strokes = new Set(STROKE_OPS.map((op) => OPS[op]));
  const imageOps = new Set(IMAGE_OPS.map((op) => OPS[op]));
  const freshText = (): TextState => ({
    font: undefined, fontName: '', fontSize: 0, fontDirection: 1, textMatrix: IDENTITY, x: 0, y: 0, lineX: 0, lineY: 0,
    charSpacing: 0, wordSpacing: 0, hScale: 1, leading: 0, rise: 0, renderingMode: 0,
  });
  let state: GraphicsState = { ctm: IDENTITY, lineWidth: 1, fillInk: true, strokeInk: true, text: freshText() };
  const stack: GraphicsState[] = [];
  const save = (): void => {
    stack.push(state);
    state = { ...state, text: { ...state.text } };
  };
  const restore = (): void => {
    state = stack.pop() ?? state;
  };
  const moveText = (x: number, y: number): void => {
    const text = state.text;
    text.x = text.lineX += x;
    text.y = text.lineY += y;
  };

  const showText = (items: (PdfJsGlyph | number)[]): void => {
    const text = state.text;
    const font = text.font;
    if (!font || text.fontSize === 0 || font.vertical) return;
    const fontMatrix = font.fontMatrix ?? [0.001, 0, 0, 0.001, 0, 0];
    const advanceScale = text.fontSize * fontMatrix[0]!;
    const hScale = text.hScale * text.fontDirection;
    // Text space → page: pdf.js's own order (text matrix, then the current point, the rise and the scale).
    const base = multiply([hScale, 0, 0, 1, text.x, text.y + text.rise], multiply(text.textMatrix, state.ctm));
    const visible = (text.renderingMode & 3) !== 3 && state.fillInk;
    let x = 0;
    for (const item of items) {
      if (typeof item === 'number') {
        x -= (item * text.fontSize) / 1000;
        continue;
      }
      const spacing = (item.isSpace ? text.wordSpacing : 0) + text.charSpacing;
      if (visible && (item.isInFont || font.missingFile)) {
        addGlyph(item, font, text, multiply([text.fontSize, 0, 0, text.fontSize, x, 0], base));
      }
      x += item.width * advanceScale + spacing * text.fontDirection;
    }
    text.x += x * hScale;
  };

  // Outlines and their boxes in glyph space, once per glyph of a font (a page repeats its glyphs).
  const outlines = new Map<string, { path: ArrayLike<number>; box: Box } | undefined>();
  const outlineOf = (font: PdfJsFont, fontChar: string) => {
    const pathId = `${font.loadedName ?? ''}_path_${fontChar}`;
    if (!outlines.has(pathId)) {
      const path = !font.isType3Font && fonts.has(pathId) ? (fonts.get(pathId) as { path?: ArrayLike<number> }).path : undefined;
      const box = path && path.length > 0 ? pathBox(path, IDENTITY) : undefined;
      outlines.set(pathId, path && box ? { path, box } : undefined);
    }
    return outlines.get(pathId);
  };

  const addGlyph = (item: PdfJsGlyph, font: PdfJsFont, text: TextState, matrix: Matrix): void => {
    const outline = outlineOf(font, item.fontChar);
    const ink = outline?.path;
    const size = Math.hypot(matrix[2], matrix[3]);
    const [originX, baseline] = apply(matrix, 0, 0);
    // Without an outline (Type 3 bitmaps, missing fonts) the font's metrics stand in for the ink.
    const box =
      (outline && transformBox(outline.box, matrix)) ??
      (() => {
        const [right] = apply(matrix, item.width * (font.fontMatrix?.[0] ?? 0.001), 0);
        const ascent = font.ascent ?? 0.7;
        const descent = font.descent ?? -0.2;
        return { left: originX, right, bottom: baseline + descent * size, top: baseline + ascent * size };
      })();
    if (item.isSpace && !ink) return;
    glyphs.push({
      text: glyphText(text.fontName, item.unicode, item.originalCharCode),
      font: text.fontName,
      size,
      baseline,
      box,
      outline: ink,
      matrix,
      order: glyphs.length,
    });
  };

  const paintPath = (op: number, path: ArrayLike<number>): void => {
    const fill = fills.has(op) && state.fillInk;
    const stroke = strokes.has(op) && state.strokeInk;
    if (!fill && !stroke) return;
    const box = pathBox(path, state.ctm);
    if (!box) return;
    const width = stroke ? state.lineWidth * Math.sqrt(Math.abs(state.ctm[0] * state.ctm[3] - state.ctm[1] * state.ctm[2])) : 0;
    const pad = width / 2;
    rules.push({
      path,
      matrix: state.ctm,
      fill,
      strokeWidth: stroke ? Math.max(width, 0.1) : 0,
      box: { left: box.left - pad, bottom: box.bottom - pad, right: box.right + pad, top: box.top + pad },
    });
  };

  for (let i = 0; i < fnArray.length; i++) {
    const op = fnArray[i]!;
    const args = (argsArray[i] ?? []) as unknown[];
    if (imageOps.has(op)) {
      images++;
      continue;
    }
    switch (name.get(op)) {
      case 'save':
        save();
        break;
      case 'restore':
        restore();
        break;
      case 'transform':
        state.ctm = multiply(args as Matrix, state.ctm);
        break;
      case 'paintFormXObjectBegin':
        save();
        if (Array.isArray(args[0]) && args[0].length === 6) state.ctm = multiply(args[0] as Matrix, state.ctm);
        break;
      case 'paintFormXObjectEnd':
        restore();
        break;
      case 'setLineWidth':
        state.lineWidth = Number(args[0]) || 0;
        break;
      case 'setFillRGBColor':
        state.fillInk = isInk(args[0]);
        break;
      case 'setStrokeRGBColor':
        state.strokeInk = isInk(args[0]);
        break;
      case 'setFillTransparent':
        state.fillInk = false;
        break;
      case 'setStrokeTransparent':
        state.strokeInk = false;
        break;
      case 'constructPath': {
        const data = args[1] as unknown[] | undefined;
        const path = data?.[0];
        if (path && typeof path === 'object' && 'length' in path) paintPath(Number(args[0]), path as ArrayLike<number>);
        break;
      }
      case 'beginText':
        state.text.textMatrix = IDENTITY;
        state.text.x = state.text.y = state.text.lineX = state.text.lineY = 0;
        break;
      case 'setFont': {
        const id = String(args[0]);
        const font = fonts.has(id) ? (fonts.get(id) as PdfJsFont) : undefined;
        const size = Number(args[1]) || 0;
        state.text.font = font;
        state.text.fontName = font?.name ?? '';
        state.text.fontSize = Math.abs(size);
        state.text.fontDirection = size < 0 ? -1 : 1;
        break;
      }
      case 'setCharSpacing':
        state.text.charSpacing = Number(args[0]) || 0;
        break;
      case 'setWordSpacing':
        state.text.wordSpacing = Number(args[0]) || 0;
        break;
      case 'setHScale':
        state.text.hScale = (Number(args[0]) || 100) / 100;
        break;
      case 'setLeading':
        state.text.leading = -(Number(args[0]) || 0);
        break;
      case 'setTextRenderingMode':
        state.text.renderingMode = Number(args[0]) || 0;
        break;
      case 'setTextRise':
        state.text.rise = Number(args[0]) || 0;
        break;
      case 'moveText':
        moveText(Number(args[0]) || 0, Number(args[1]) || 0);
        break;
      case 'setLeadingMoveText':
        state.text.leading = Number(args[1]) || 0;
        moveText(Number(args[0]) || 0, Number(args[1]) || 0);
        break;
      case 'setTextMatrix':
        if (Array.isArray(args[0]) && args[0].length === 6) state.text.textMatrix = args[0] as Matrix;
        state.text.x = state.text.y = state.text.lineX = state.text.lineY = 0;
        break;
      case 'nextLine':
        moveText(0, state.text.leading);
        break;
      case 'showText':
      case 'showSpacedText':
        if (Array.isArray(args[0])) showText(args[0] as (PdfJsGlyph | number)[]);
        break;
      default:
        break;
    }
  }
  return { glyphs, rules, images };
}
