// From the engine's search answer to what the webview shows. vscode-free (unit-tested).
import type { FormulaInput, PaperMatch, PaperMeta } from '../engine/protocol';
import type { ViewFormula, ViewFormulaHit, ViewPaperResult } from '../webview/protocol';

export function viewFormula(formula: FormulaInput): ViewFormula {
  return { latex: formula.latex, macros: formula.macros ?? '', display: formula.display, env: formula.env };
}

export function viewPaperResult({ paper, formulas }: PaperMatch): ViewPaperResult {
  return {
    paper: {
      id: paper.id,
      title: paper.title,
      authors: paper.authors,
      year: paper.year,
      hasUrl: paperUrl(paper) !== undefined,
    },
    formulas: formulas.map((hit) => ({
      formula: { ...viewFormula({ ...hit.formula, macros: paper.macros }), ...(hit.highlightedLatex ? { highlightedLatex: hit.highlightedLatex } : {}) },
      section: hit.section,
      similarity: hit.similarity,
      signals: hit.signals,
      hasSource: hit.sourceFile !== undefined,
      ...(hit.foundBy ? { foundBy: hit.foundBy } : {}),
      ...(hit.pdf ? { pdf: viewPdf(hit.pdf) } : {}),
    })),
  };
}

/** A PDF formula's page and crop for the view: the crop only when it is base64 (an index is untrusted input). */
function viewPdf({ page, number, crop }: NonNullable<PaperMatch['formulas'][number]['pdf']>): NonNullable<ViewFormulaHit['pdf']> {
  return {
    page: Number.isInteger(page) && page > 0 ? page : 1,
    ...(typeof number === 'string' ? { number } : {}),
    ...(typeof crop === 'string' && /^[A-Za-z0-9+/]+={0,2}$/.test(crop) ? { image: `data:image/png;base64,${crop}` } : {}),
  };
}

/** The page to open for a paper: its URL when it is http(s), else its arXiv abstract page. */
export function paperUrl(paper: PaperMeta): string | undefined {
  if (paper.url && /^https?:\/\//i.test(paper.url)) return paper.url;
  if (paper.arxivId) return `https://arxiv.org/abs/${encodeURI(paper.arxivId)}`;
  return undefined;
}
