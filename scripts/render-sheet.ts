// Draws docs/render-sheet.png: 16 representative corpus formulas as the renderer sees them, each
// as its full 531×106 canvas (the encoder's crop outlined in red) beside the 333×32 crop itself,
// for checking the renderer by eye. Usage: node --import tsx scripts/render-sheet.ts [papers.jsonl] [out.png]
import { createRequire } from 'node:module';
import * as path from 'node:path';
import type Sharp from 'sharp';
import { CANVAS_HEIGHT, CANVAS_WIDTH, CROP_HEIGHT, CROP_LEFT, CROP_TOP, CROP_WIDTH, RENDERER_VERSION, renderInThisThread } from '../src/core/render';
import { type CorpusFormula, type CorpusRecord, formulaInput, readCorpus, sourceGroup } from '../src/core/render/corpus';

const sharp = createRequire(__filename)('sharp') as typeof Sharp;
const repoRoot = path.resolve(__dirname, '..');
const corpus = process.argv[2] ?? path.resolve(repoRoot, '..', 'shared', 'corpus', 'papers.jsonl');
const output = process.argv[3] ?? path.join(repoRoot, 'docs', 'render-sheet.png');

/**
 * What the sheet should show: the kinds of formula that stress the geometry and the macro handling.
 * Each row is the first faithful rendering of its kind, except hep-th's, which shows how unknown
 * macros look (its records lost their macros upstream).
 */
const kinds: { label: string; wanted: (record: CorpusRecord, formula: CorpusFormula) => boolean }[] = [
  { label: 'short display', wanted: (_, f) => !f.inline && f.env === 'equation' && f.latex.length < 40 && f.latex.includes('\\frac') },
  { label: 'display fraction', wanted: (_, f) => !f.inline && /\\frac\{[^{}]*\\frac/.test(f.latex) && f.latex.length < 90 },
  { label: 'sum with limits', wanted: (_, f) => !f.inline && /\\sum_\{[^}]+\}\^/.test(f.latex) && f.latex.length < 80 },
  { label: 'align (2 rows)', wanted: (_, f) => f.env.startsWith('align') && (f.latex.match(/\\\\/g) ?? []).length === 1 },
  { label: 'align (many rows)', wanted: (_, f) => f.env.startsWith('align') && (f.latex.match(/\\\\/g) ?? []).length >= 3 },
  { label: 'eqnarray', wanted: (_, f) => f.env === 'eqnarray' && f.latex.length < 120 },
  { label: 'inline', wanted: (_, f) => f.inline && f.latex.length > 30 && f.latex.length < 60 },
  { label: 'long inline', wanted: (_, f) => f.inline && f.latex.length > 90 },
  { label: 'long display', wanted: (_, f) => !f.inline && !f.latex.includes('\\\\') && f.latex.length > 200 },
  { label: 'matrix', wanted: (_, f) => !f.inline && f.latex.includes('\\begin{pmatrix}') && f.latex.length < 120 },
  { label: 'cases', wanted: (_, f) => !f.inline && f.latex.includes('\\begin{cases}') && f.latex.length < 140 },
  { label: 'author macros', wanted: (r, f) => !f.inline && (r.macros ?? '').includes('\\newcommand') && /\\[a-z]*[A-Z]\w*\b/.test(f.latex) && f.latex.length < 80 },
  { label: 'operator macro', wanted: (r, f) => (r.macros ?? '').includes('\\DeclareMathOperator') && /\\(argmin|argmax)_/.test(f.latex) && f.latex.length < 80 },
  { label: 'text in math', wanted: (_, f) => !f.inline && /\\text\{[a-z ]{6,}\}/.test(f.latex) && f.latex.length < 90 },
  { label: 'hep-th (macros lost upstream)', wanted: (r, f) => sourceGroup(r.source) === 'hep-th' && !f.inline && f.latex.length > 40 && f.latex.length < 100 },
  { label: 'Stacks (algebraic geometry)', wanted: (r, f) => r.source === 'github:stacks/stacks-project' && !f.inline && f.latex.length > 30 && f.latex.length < 100 },
];

function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** Ink (255 = full) to a grey PNG (black ink on white paper). */
async function png(ink: Uint8Array, width: number, height: number): Promise<string> {
  const grey = Buffer.from(ink.map((value) => 255 - value));
  const encoded = await sharp(grey, { raw: { width, height, channels: 1 } }).png().toBuffer();
  return `data:image/png;base64,${encoded.toString('base64')}`;
}

async function main(): Promise<void> {
  const records = await readCorpus(corpus);
  // Records in a fixed pseudo-random order, so the sheet samples the corpus rather than its first file.
  const shuffled = records.map((record, i) => ({ record, key: (i * 2654435761) % 4294967296 })).sort((a, b) => a.key - b.key).map(({ record }) => record);
  const rowHeight = CANVAS_HEIGHT + 30;
  const cropScale = 1.5;
  const width = CANVAS_WIDTH + 20 + CROP_WIDTH * cropScale + 20;
  const parts: string[] = [];
  let row = 0;
  for (const kind of kinds) {
    const candidates = shuffled.flatMap((record) => record.formulas.filter((formula) => kind.wanted(record, formula)).map((formula) => ({ record, formula })));
    const showDegraded = kind.label.startsWith('hep-th');
    let found: (typeof candidates)[number] | undefined;
    let result: Awaited<ReturnType<typeof renderInThisThread>> | undefined;
    for (const candidate of candidates) {
      result = await renderInThisThread(formulaInput(candidate.record, candidate.formula), 'canvas');
      found = candidate;
      if (result.degraded === showDegraded) break;
    }
    if (!found || !result) throw new Error(`no corpus formula for '${kind.label}'`);
    const crop = new Uint8Array(CROP_WIDTH * CROP_HEIGHT);
    for (let y = 0; y < CROP_HEIGHT; y++) crop.set(result.pixels.subarray((CROP_TOP + y) * CANVAS_WIDTH + CROP_LEFT, (CROP_TOP + y) * CANVAS_WIDTH + CROP_LEFT + CROP_WIDTH), y * CROP_WIDTH);
    const top = row * rowHeight;
    const issues = result.degraded ? ` [degraded: ${result.issues.map((issue) => `${issue.kind} ${issue.detail}`).join('; ')}]` : '';
    const caption = `${kind.label} · ${found.record.id} · ${found.formula.env} · ${found.formula.latex.replace(/\s+/g, ' ')}`;
    parts.push(
      `<text x="4" y="${top + 16}" font-family="DejaVu Sans" font-size="12">${escapeXml((caption.length > 150 ? caption.slice(0, 149) + '…' : caption) + issues)}</text>`,
      `<image x="0" y="${top + 22}" width="${CANVAS_WIDTH}" height="${CANVAS_HEIGHT}" href="${await png(result.pixels, CANVAS_WIDTH, CANVAS_HEIGHT)}"/>`,
      `<rect x="0.5" y="${top + 22.5}" width="${CANVAS_WIDTH - 1}" height="${CANVAS_HEIGHT - 1}" fill="none" stroke="#999"/>`,
      `<rect x="${CROP_LEFT - 0.5}" y="${top + 22 + CROP_TOP - 0.5}" width="${CROP_WIDTH + 1}" height="${CROP_HEIGHT + 1}" fill="none" stroke="red"/>`,
      `<image x="${CANVAS_WIDTH + 20}" y="${top + 22 + (CANVAS_HEIGHT - CROP_HEIGHT * cropScale) / 2}" width="${CROP_WIDTH * cropScale}" height="${CROP_HEIGHT * cropScale}" ` +
        `image-rendering="pixelated" preserveAspectRatio="none" href="${await png(crop, CROP_WIDTH, CROP_HEIGHT)}"/>`,
    );
    row++;
  }
  const height = row * rowHeight + 24;
  parts.push(`<text x="4" y="${height - 8}" font-family="DejaVu Sans" font-size="11" fill="#555">renderer ${RENDERER_VERSION}; left: 531×106 canvas, crop outlined in red; right: the 333×32 crop the encoder sees (shown at ${cropScale}×)</text>`);
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}"><rect width="100%" height="100%" fill="white"/>${parts.join('')}</svg>`;
  await sharp(Buffer.from(svg)).png().toFile(output);
  console.log(`${row} formulas → ${output}`);
}

void main();
