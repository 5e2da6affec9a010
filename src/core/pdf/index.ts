// The PDF stage: display formulas of a PDF paper, with crops for the bitmap encoder (docs/pdf.md).
export { readPdf, type ReadPdfOptions } from './read';
export { drawFormula } from './crop';
export type { Box, Glyph, PdfFailure, PdfFailureKind, PdfFormula, PdfFormulaCrop, PdfReport, Rule } from './types';
