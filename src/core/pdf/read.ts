// Reads a PDF file with pdf.js (Apache-2.0, pure JavaScript: nothing to match Electron's ABI) and returns
// its display formulas with their crops. Bad input is a typed failure, never an exception: not a PDF,
// damaged, encrypted, too large, over the time budget, or scanned (no text layer).
import { readFile, stat } from 'node:fs/promises';
import { createRequire } from 'node:module';
import * as path from 'node:path';
import { errorMessage, fail, ok, type Result } from '../result';
import { drawFormula } from './crop';
import { findDisplays } from './detect';
import { collectMarks, type FontStore, type OpsTable } from './marks';
import type { PdfFailure, PdfFailureKind, PdfFormulaCrop, PdfReport } from './types';

export interface ReadPdfOptions {
  /** Wall-clock budget for the whole file (ms); pages not read by then are left out with an issue. Default 60 s. */
  budgetMs?: number;
  /** Files larger than this are refused unread. Default 200 MB. */
  maxBytes?: number;
  /** Pages after this one are left out with an issue. Default 500. */
  maxPages?: number;
  /** Draw each formula's crop for the encoder (default true); the bench's detection figures skip it. */
  crops?: boolean;
}

const DEFAULTS = { budgetMs: 60_000, maxBytes: 200 * 1024 * 1024, maxPages: 500, crops: true };
/** Leading pages of images only after which a file counts as scanned and is not read further. */
const SCANNED_PAGES_TO_GIVE_UP = 5;

/** The slice of pdf.js's API used here (its own types are an ES module's, loaded lazily). */
interface PdfJsPage {
  getOperatorList(): Promise<{ fnArray: ArrayLike<number>; argsArray: unknown[] }>;
  commonObjs: FontStore;
  cleanup(): boolean;
}
interface PdfJsDocument {
  numPages: number;
  getPage(pageNumber: number): Promise<PdfJsPage>;
}
interface PdfJsModule {
  OPS: OpsTable;
  getDocument(source: Record<string, unknown>): { promise: Promise<PdfJsDocument>; destroy(): Promise<void> };
}

let pdfjs: Promise<PdfJsModule> | undefined;

/**
 * pdf.js, loaded on first use with its worker code in this thread (Node has no web workers). Its import
 * looks for @napi-rs/canvas to draw pages, which we never ask of it and do not ship: the warnings it
 * prints about that are dropped, and the one DOMMatrix its canvas code builds at load time gets a stand-in.
 */
function loadPdfJs(): Promise<PdfJsModule> {
  pdfjs ??= (async () => {
    const warn = console.warn;
    console.warn = (...args: unknown[]) => {
      if (!(typeof args[0] === 'string' && args[0].startsWith('Warning: Cannot'))) warn(...args);
    };
    const global = globalThis as { DOMMatrix?: unknown; pdfjsWorker?: unknown };
    const standIn = global.DOMMatrix === undefined;
    if (standIn) global.DOMMatrix = class DOMMatrixStandIn {};
    try {
      global.pdfjsWorker = (await import('pdfjs-dist/legacy/build/pdf.worker.min.mjs')) as unknown;
      return (await import('pdfjs-dist/legacy/build/pdf.min.mjs')) as PdfJsModule;
    } finally {
      console.warn = warn;
      if (standIn) delete global.DOMMatrix;
    }
  })();
  return pdfjs;
}

function standardFonts(): string {
  return path.join(path.dirname(createRequire(__filename).resolve('pdfjs-dist/package.json')), 'standard_fonts') + path.sep;
}

class BudgetExceeded extends Error {}

function failure(kind: PdfFailureKind, message: string): { ok: false; reason: PdfFailure } {
  return fail({ kind, message });
}

/** pdf.js's exceptions, by name: the classes live in the lazily loaded module. */
function classify(error: unknown, budgetMs: number): { ok: false; reason: PdfFailure } {
  if (error instanceof BudgetExceeded) return failure('timeout', `not read within the time budget (${budgetMs / 1000} s)`);
  const name = (error as { name?: string } | undefined)?.name;
  if (name === 'PasswordException') return failure('encrypted', 'encrypted: it needs a password to open');
  if (name === 'InvalidPDFException' || name === 'FormatError') return failure('damaged', `damaged PDF (${errorMessage(error)})`);
  return failure('unreadable', `pdf.js could not read it (${errorMessage(error)})`);
}

/**
 * Reads a PDF (a path, or its bytes) and finds its display formulas. `ok` holds what was read, with issues
 * for what was left out (scanned pages, pages over the limits, crops that failed); a failure says why nothing was.
 */
export async function readPdf(source: string | Uint8Array, options: ReadPdfOptions = {}): Promise<Result<PdfReport, PdfFailure>> {
  const settings = { ...DEFAULTS, ...options };
  const deadline = Date.now() + settings.budgetMs;
  let data: Uint8Array;
  try {
    if (typeof source === 'string') {
      const file = await stat(source);
      // A FIFO or a device would block the read forever, before the time budget starts.
      if (!file.isFile()) return failure('unreadable', 'not a regular file');
      const size = file.size;
      if (size > settings.maxBytes) return failure('too-large', `${(size / 1048576).toFixed(0)} MB, over the ${(settings.maxBytes / 1048576).toFixed(0)} MB limit`);
      data = new Uint8Array(await readFile(source));
    } else {
      if (source.length > settings.maxBytes) return failure('too-large', `${(source.length / 1048576).toFixed(0)} MB, over the ${(settings.maxBytes / 1048576).toFixed(0)} MB limit`);
      // pdf.js takes ownership of (detaches) the buffer it is given.
      data = source.slice();
    }
  } catch (error) {
    return failure('unreadable', `cannot read the file (${errorMessage(error)})`);
  }
  const header = new TextDecoder('latin1').decode(data.subarray(0, 1024));
  if (!header.includes('%PDF-')) return failure('not-pdf', 'not a PDF (no %PDF- header)');

  const module = await loadPdfJs();
  const task = module.getDocument({
    data,
    isEvalSupported: false,
    disableFontFace: true,
    fontExtraProperties: true,
    // The outlines of the 14 standard fonts, for PDFs that use them without embedding them (Times, Symbol).
    standardFontDataUrl: standardFonts(),
    stopAtErrors: false,
    verbosity: 0,
  });
  let timer: NodeJS.Timeout | undefined;
  // pdf.js parses in slices between awaits, so a race against the clock ends even a hostile file's reading.
  const budget = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new BudgetExceeded()), Math.max(0, deadline - Date.now()));
  });
  const within = <T>(promise: Promise<T>): Promise<T> => Promise.race([promise, budget]);
  try {
    const document = await within(task.promise);
    const pages = document.numPages;
    const last = Math.min(pages, settings.maxPages);
    const formulas: PdfFormulaCrop[] = [];
    const issues: string[] = [];
    const scanned: number[] = [];
    let withText = 0;
    let pagesRead = 0;
    for (let number = 1; number <= last; number++) {
      if (Date.now() >= deadline) {
        if (pagesRead === 0) throw new BudgetExceeded();
        issues.push(`pages ${number}–${pages} not read: time budget (${settings.budgetMs / 1000} s) spent`);
        break;
      }
      try {
        const page = await within(document.getPage(number));
        const operators = await within(page.getOperatorList());
        const marks = collectMarks(operators.fnArray, operators.argsArray, page.commonObjs, module.OPS);
        page.cleanup();
        if (marks.glyphs.length > 0) withText++;
        else if (marks.images > 0) scanned.push(number);
        for (const formula of findDisplays(marks, number)) {
          let crop: Uint8Array | undefined;
          if (settings.crops) {
            try {
              crop = await drawFormula(formula);
            } catch (error) {
              issues.push(`page ${number}: a formula's crop could not be drawn (${errorMessage(error)})`);
            }
          }
          formulas.push({ ...formula, crop });
        }
      } catch (error) {
        if (error instanceof BudgetExceeded) throw error;
        issues.push(`page ${number} not read (${errorMessage(error)})`);
      }
      pagesRead = number;
      // Decoding a scan's page images is the slow part of reading it: a file that opens with only images is a scan.
      if (withText === 0 && scanned.length >= SCANNED_PAGES_TO_GIVE_UP) break;
    }
    if (last < pages && pagesRead === last) issues.push(`pages ${last + 1}–${pages} not read: over the ${settings.maxPages}-page limit`);
    if (withText === 0 && scanned.length > 0) return failure('no-text-layer', `no text layer (scanned?): ${scanned.length} of ${pagesRead} pages read are images only`);
    if (scanned.length > 0) issues.push(`no text layer on ${scanned.length} pages (scanned?): ${scanned.slice(0, 10).join(', ')}${scanned.length > 10 ? ', …' : ''}`);
    return ok({ pages, pagesRead, formulas, issues });
  } catch (error) {
    return classify(error, settings.budgetMs);
  } finally {
    clearTimeout(timer);
    void task.destroy().catch(() => undefined);
  }
}
