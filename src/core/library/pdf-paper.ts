// A library paper that is only a PDF: its display formulas as catalogue rows. Each keeps its page, box, equation
// number and crop (as PNG), and LaTeX written back from its glyphs, which the lexical and structure signals read.
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
