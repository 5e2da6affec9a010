// A library paper that is only a PDF: its display formulas as catalogue rows. Each keeps its page, box, equation
// number and crop (as PNG), and LaTeX written back from its glyphs, which the lexical and structure signals read.
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import type { FormulaLocation } from '../index/types';
import { readPdf, type PdfFailure, type ReadPdfOptions } from '../pdf';
import { formulaLatex } from '../pdf/latex';
import { cropToPng } from '../pdf/png';
import { CROP_HEIGHT, CROP_WIDTH } from '../render/geometry';
import { ok, type Result } from '../result';

export interface PdfPaperFormulas {
  formulas: FormulaLocation[];
  pagesRead: number;
  /** One line for the per-entry report: pages read, displays without LaTeX, and what was left out. */
  detail: string;
}

/** The limits a library run reads each PDF with: a minute, 500 pages and 200 MB a file, whatever the file holds. */
export const libraryPdfLimits: ReadPdfOptions = { budgetMs: 60_000, maxPages: 500, maxBytes: 200 * 1024 * 1024 };

export async function readPdfPaper(file: string, limits: ReadPdfOptions = libraryPdfLimits): Promise<Result<PdfPaperFormulas, PdfFailure>> {
  const read = await readPdf(file, { ...limits, crops: true });
  if (!read.ok) return read;
  const { pages, pagesRead, issues } = read.value;
  const formulas: FormulaLocation[] = [];
  let unnamed = 0;
  for (const formula of read.value.formulas) {
    const latex = formulaLatex(formula);
    // Glyphs without a character of their own (pieces of delimiters, unmapped Type 3 glyphs) write nothing.
    if (!latex) {
      unnamed++;
      continue;
    }
    const { left, bottom, right, top } = formula.box;
    formulas.push({
      latex,
      file: path.basename(file),
      env: 'pdf',
      inline: false,
      pdf: {
        page: formula.page,
        box: { left, bottom, right, top },
        ...(formula.number ? { number: formula.number } : {}),
        ...(formula.crop ? { crop: cropToPng(formula.crop, CROP_WIDTH, CROP_HEIGHT) } : {}),
      },
    });
  }
  const notes = [
    `PDF, ${pagesRead === pages ? `${pages} pages` : `${pagesRead} of ${pages} pages read`}`,
    ...(unnamed ? [`${unnamed} displays with no readable glyphs left out`] : []),
    ...issues,
  ];
  return ok({ formulas, pagesRead, detail: notes.join('; ') });
}

/**
 * PDFs that failed, by paper id, with their content hash: a rerun reports an unchanged one as before without reading
 * it again (a PDF that ran out its time budget would cost its minute on every run). Kept beside the index's
 * catalogue, which only holds papers that were indexed; a missing or damaged file means reading them again.
 */
export class PdfFailures {
  private static readonly fileName = 'pdf-failures.json';
  private readonly failures: Map<string, { contentHash: string; message: string }>;

  private constructor(private readonly file: string | undefined) {
    let stored: unknown;
    try {
      stored = file ? JSON.parse(readFileSync(file, 'utf8')) : undefined;
    } catch {
      stored = undefined;
    }
    const entries = stored && typeof stored === 'object' ? Object.entries(stored as Record<string, { contentHash?: unknown; message?: unknown }>) : [];
    this.failures = new Map(
      entries
        .filter(([, value]) => typeof value?.contentHash === 'string' && typeof value.message === 'string')
        .map(([id, value]) => [id, { contentHash: String(value.contentHash), message: String(value.message) }]),
    );
  }

  /** The failures remembered in an index folder; without one (a database), only those of this run. */
  static of(indexDirectory: string | undefined): PdfFailures {
    return new PdfFailures(indexDirectory === undefined ? undefined : path.join(indexDirectory, PdfFailures.fileName));
  }

  /** Why this PDF failed before, when its content is the same. */
  earlier(id: string, contentHash: string): string | undefined {
    const failure = this.failures.get(id);
    return failure?.contentHash === contentHash ? failure.message : undefined;
  }

  record(id: string, contentHash: string, message: string): void {
    this.failures.set(id, { contentHash, message });
  }

  /** Forgets what the library no longer holds, or what is indexed now, and writes the file. */
  save(keep: ReadonlySet<string>): void {
    for (const id of this.failures.keys()) if (!keep.has(id)) this.failures.delete(id);
    if (!this.file) return;
    const temporary = `${this.file}.${process.pid}.tmp`;
    try {
      writeFileSync(temporary, JSON.stringify(Object.fromEntries(this.failures)));
      renameSync(temporary, this.file);
    } catch {
      // Only a cache: the next run reads those PDFs again.
    }
  }
}
