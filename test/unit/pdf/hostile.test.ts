// Bad PDFs are typed failures, in bounded time: truncated, random bytes, encrypted, scanned (images
// only), over the size limit or the time budget. Nothing throws.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { before, test } from 'node:test';
import { readPdf, type PdfFailureKind } from '../../../src/core/pdf';
import { seededRandom } from '../../../src/core/seeded-random';
import { repoRoot } from '../../helpers/paths';

const fixture = (name: string) => path.join(repoRoot, 'test', 'fixtures', 'pdf', name);

// Loading pdf.js takes seconds on a busy machine; the budgets below are for reading only.
before(async () => {
  await readPdf(fixture('displays.pdf'), { crops: false });
});

/** Reads with a short budget and returns the failure's kind, failing the test when reading took longer than the budget allows. */
async function failureOf(source: string | Uint8Array): Promise<{ kind: PdfFailureKind | 'ok'; message: string }> {
  const started = performance.now();
  const result = await readPdf(source, { budgetMs: 5000 });
  assert.ok(performance.now() - started < 5000 + 2000, 'reading ran past its budget');
  return result.ok ? { kind: 'ok', message: `${result.value.formulas.length} formulas, issues: ${result.value.issues.join('; ')}` } : result.reason;
}

/**
 * A PDF of `pages` pages with the same content stream. `shared` objects come after the pages; the page
 * resources (`resources(first)`) refer to them from object number `first` on.
 */
function handMadePdf(pages: number, content: string, shared: string[], resources: (first: number) => string): Uint8Array {
  const objects: string[] = [];
  const kids = Array.from({ length: pages }, (_, i) => `${3 + 2 * i} 0 R`).join(' ');
  objects.push('<< /Type /Catalog /Pages 2 0 R >>', `<< /Type /Pages /Kids [${kids}] /Count ${pages} >>`);
  const first = 3 + 2 * pages;
  for (let i = 0; i < pages; i++) {
    objects.push(`<< /Type /Page /Parent 2 0 R /MediaBox [0 0 400 400] /Resources << ${resources(first)} >> /Contents ${4 + 2 * i} 0 R >>`);
    objects.push(`<< /Length ${content.length} >>\nstream\n${content}\nendstream`);
  }
  objects.push(...shared);
  let pdf = '%PDF-1.4\n';
  const offsets = objects.map((body, i) => {
    const offset = pdf.length;
    pdf += `${i + 1} 0 obj\n${body}\nendobj\n`;
    return offset;
  });
  const xref = pdf.length;
  pdf += `xref\n0 ${objects.length + 1}\n0000000000 65535 f \n${offsets.map((offset) => `${String(offset).padStart(10, '0')} 00000 n \n`).join('')}`;
  pdf += `trailer\n<< /Size ${objects.length + 1} /Root 1 0 R >>\nstartxref\n${xref}\n%%EOF\n`;
  return new Uint8Array(Buffer.from(pdf, 'latin1'));
}

/** Pages that are each one grey 8×8 image and nothing else: a scan without a text layer. */
const imageOnlyPdf = (pages: number): Uint8Array =>
  handMadePdf(
    pages,
    'q 100 0 0 100 50 50 cm /Im0 Do Q',
    [`<< /Type /XObject /Subtype /Image /Width 8 /Height 8 /ColorSpace /DeviceGray /BitsPerComponent 8 /Length 64 >>\nstream\n${'\x80'.repeat(64)}\nendstream`],
    (first) => `/XObject << /Im0 ${first} 0 R >>`,
  );

/**
 * Pages of lines of prose around a display, in two of the 14 standard fonts, not embedded: Times for the
 * text, Symbol for the display ("a + b = g" in Symbol is α + β = γ).
 */
function standardFontsPdf(pages: number): Uint8Array {
  const line = (y: number) => `BT /F0 10 Tf 40 ${y} Td (Lines of prose set in Times run from margin to margin here.) Tj ET`;
  const content = [...[360, 348, 336, 324].map(line), 'BT /F1 10 Tf 170 300 Td (a + b = g) Tj ET', ...[276, 264].map(line)].join('\n');
  return handMadePdf(
    pages,
    content,
    ['<< /Type /Font /Subtype /Type1 /BaseFont /Times-Roman >>', '<< /Type /Font /Subtype /Type1 /BaseFont /Symbol >>'],
    (first) => `/Font << /F0 ${first} 0 R /F1 ${first + 1} 0 R >>`,
  );
}

test('random bytes are not a PDF', async () => {
  const random = seededRandom(22);
  const bytes = Uint8Array.from({ length: 20_000 }, () => Math.floor(random() * 256));
  assert.equal((await failureOf(bytes)).kind, 'not-pdf');
});

test('random bytes behind a PDF header are a damaged PDF', async () => {
  const random = seededRandom(23);
  const bytes = Uint8Array.from({ length: 20_000 }, () => Math.floor(random() * 256));
  bytes.set(Buffer.from('%PDF-1.5\n', 'latin1'));
  const { kind, message } = await failureOf(bytes);
  assert.equal(kind, 'damaged', message);
});

test('a truncated PDF is damaged', async () => {
  const whole = readFileSync(fixture('displays.pdf'));
  for (const fraction of [0.05, 0.3, 0.7, 0.95]) {
    const { kind, message } = await failureOf(new Uint8Array(whole.subarray(0, Math.floor(whole.length * fraction))));
    assert.equal(kind, 'damaged', `${fraction}: ${message}`);
  }
});

test('an encrypted PDF says it needs a password', async () => {
  const { kind, message } = await failureOf(fixture('encrypted.pdf'));
  assert.equal(kind, 'encrypted');
  assert.match(message, /password/);
});

test('a scan (pages of images, no text layer) is reported as such, after its first pages only', async () => {
  const { kind, message } = await failureOf(imageOnlyPdf(8));
  assert.equal(kind, 'no-text-layer');
  assert.match(message, /5 of 5 pages read are images only/);
});

test('a file over the size limit is refused unread, one over the time budget stops', async () => {
  const tooLarge = await readPdf(fixture('displays.pdf'), { maxBytes: 10_000 });
  assert.equal(!tooLarge.ok && tooLarge.reason.kind, 'too-large');
  const late = await readPdf(fixture('displays.pdf'), { budgetMs: 0 });
  assert.equal(!late.ok && late.reason.kind, 'timeout');
});

test('a missing file is unreadable, with the reason', async () => {
  const result = await readPdf(path.join(repoRoot, 'test', 'fixtures', 'pdf', 'missing.pdf'));
  assert.equal(!result.ok && result.reason.kind, 'unreadable');
  assert.match(!result.ok ? result.reason.message : '', /ENOENT/);
});

test('fonts the PDF does not embed are drawn from pdf.js’s standard fonts; pages over the limit are an issue', async () => {
  const result = await readPdf(standardFontsPdf(3), { maxPages: 2 });
  assert.ok(result.ok, result.ok ? '' : result.reason.message);
  const { pages, pagesRead, formulas, issues } = result.value;
  assert.equal(pages, 3);
  assert.equal(pagesRead, 2);
  assert.deepEqual(issues, ['pages 3–3 not read: over the 2-page limit']);
  assert.deepEqual(formulas.map((formula) => formula.text), ['α + β = γ', 'α + β = γ']);
  assert.ok(formulas[0]!.crop!.some((value) => value > 0), 'the Symbol glyphs have ink');
});
