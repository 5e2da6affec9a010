// The library's indexing pipeline: plan the folders, drop what the library no longer has, read every new or
// changed paper with the LaTeX reader (a paper that is only a PDF with the PDF reader, pdf-paper.ts), then add them
// to the catalogue in batches (nothing rendered), and build the bitmap sidecar when a bitmap pipeline is given. Each batch is one atomic index update, so cancelling (or a kill)
// between or during batches leaves a consistent index, and the next run skips what was finished by its content hash;
// the sidecar keeps what it rendered the same way (bitmap-store.ts).
import type { CatalogueWriter } from '../index/catalogue';
import type { IndexedPaper, IndexError } from '../index/types';
import { extractProject, type ExtractOptions } from '../latex';
import { indexPapers, type PaperFormulas } from '../search/build';
import type { FormulaEmbedder } from '../search/embedder';
import { planChanges, planLibrary, type PlanOptions } from './plan';
import type { ReadPdfOptions } from '../pdf';
import { fail, ok, type Result } from '../result';
import { PdfFailures } from './pdf-paper';
import { PdfReaders } from './pdf-readers';
import type { LibraryPaper, ReportEntry } from './types';

export interface LibraryIndexOptions extends PlanOptions {
  /** The library's name in the index: its papers are compared, added and removed under it. */
  library: string;
  /** Formulas per atomic index update (default 1000). */
  batchFormulas?: number;
  /** Stops between papers and between batches (the batch in flight completes); what was committed stays. */
  signal?: AbortSignal;
  onProgress?(progress: LibraryProgress): void;
  extract?: ExtractOptions;
  /** Limits per PDF read (time budget, pages, bytes); default `libraryPdfLimits`. */
  pdf?: ReadPdfOptions;
}

export interface LibraryProgress {
  /** `indexing`: adding to the catalogue; `embedding`: rendering the bitmap sidecar (only when asked for). */
  phase: 'planning' | 'reading' | 'indexing' | 'embedding' | 'done';
  papersDone: number;
  papersTotal: number;
  formulasDone: number;
  formulasTotal: number;
}

export interface LibraryIndexSummary {
  /** One line per bib entry and source, with final statuses (and removed papers). */
  report: ReportEntry[];
  indexed: number;
  unchanged: number;
  removed: number;
  failed: number;
  formulas: number;
  /** Formulas the bitmap sidecar's build rendered, and those whose rendering was degraded (still indexed). */
  rendered: number;
  degraded: number;
  cancelled: boolean;
}

/** The paper as the index stores it; a source without bib entry takes \title/\author from its LaTeX. */
function indexedPaper(paper: LibraryPaper, library: string, macros: string, info: { title: string; authors: string[] }): IndexedPaper {
  const fromLatex = paper.id.startsWith('src:');
  return {
    ...paper.metadata,
    ...(fromLatex && info.title ? { title: info.title } : {}),
    ...(fromLatex && info.authors.length ? { authors: info.authors } : {}),
    id: paper.id,
    sourcePath: paper.source.origin,
    library,
    macros,
    contentHash: paper.contentHash,
  };
}

/** Indexes the library into the catalogue; with `bitmap`, also that model's bitmap sidecar (the fusion weighs it, or asked). */
export async function indexLibrary(
  folders: string[],
  index: CatalogueWriter,
  bitmap: FormulaEmbedder | undefined,
  options: LibraryIndexOptions,
): Promise<Result<LibraryIndexSummary, IndexError>> {
  const progress: LibraryProgress = { phase: 'planning', papersDone: 0, papersTotal: 0, formulasDone: 0, formulasTotal: 0 };
  const emit = () => options.onProgress?.({ ...progress });
  emit();
  const plan = await planLibrary(folders, options);
  const indexed = new Map(
    index
      .papers()
      .filter((paper) => paper.library === options.library)
      .map((paper) => [paper.id, paper.contentHash ?? ''] as const),
  );
  const changes = planChanges(plan.papers, indexed);
  const report = new Map(plan.report.map((entry) => [entry.id, entry] as const));
  const setStatus = (id: string, update: Partial<ReportEntry>) => {
    const entry = report.get(id);
    if (entry) Object.assign(entry, update);
    else report.set(id, { id, status: 'failed', detail: '', ...update });
  };
  const summary: LibraryIndexSummary = { report: [], indexed: 0, unchanged: 0, removed: 0, failed: 0, formulas: 0, rendered: 0, degraded: 0, cancelled: false };

  for (const paper of changes.unchanged) setStatus(paper.id, { status: 'unchanged', detail: 'content unchanged since the last run' });
  summary.unchanged = changes.unchanged.length;
  if (changes.removed.length) {
    const removed = await index.update({ remove: changes.removed });
    if (!removed.ok) return fail(removed.reason);
    summary.removed = changes.removed.length;
    for (const id of changes.removed) setStatus(id, { status: 'removed', detail: 'no longer in the library' });
  }

  progress.phase = 'reading';
  progress.papersTotal = changes.toIndex.length;
  emit();
  // In the library's order, so that formula ids do not depend on which PDF was read first.
  const read: (PaperFormulas | undefined)[] = [];
  const pdfFailures = PdfFailures.of(index.directory);
  const failedPdfs = new Set<string>();
  const readers = new PdfReaders();
  const pdfsInFlight = new Set<Promise<void>>();
  let papersRead = 0;
  const paperRead = () => {
    // While reading, papersDone counts the papers read: a PDF takes seconds.
    progress.papersDone = ++papersRead;
    emit();
  };
  const readPdfInWorker = async (paper: LibraryPaper, position: number, mainFile: string, origin: string) => {
    const pdf = await readers.read(mainFile, options.pdf, options.signal);
    if (options.signal?.aborted) return;
    if (!pdf.ok) {
      failedPdfs.add(paper.id);
      pdfFailures.record(paper.id, paper.contentHash, pdf.reason.message);
      setStatus(paper.id, { status: 'failed', detail: `PDF ${origin}: ${pdf.reason.message}` });
    } else {
      setStatus(paper.id, { detail: `${pdf.value.detail} (${origin})` });
      read[position] = { paper: indexedPaper(paper, options.library, '', { title: '', authors: [] }), formulas: pdf.value.formulas };
      progress.formulasTotal += pdf.value.formulas.length;
    }
    paperRead();
  };
  try {
    for (const [position, paper] of changes.toIndex.entries()) {
      if (options.signal?.aborted) break;
      if (paper.source.kind === 'pdf') {
        const earlier = pdfFailures.earlier(paper.id, paper.contentHash);
        if (earlier) {
          failedPdfs.add(paper.id);
          setStatus(paper.id, { status: 'failed', detail: `PDF ${paper.source.origin}: ${earlier} (unchanged since it failed; not read again)` });
          paperRead();
          continue;
        }
        // PDFs are read beside the LaTeX papers that follow, as many at once as the readers have threads.
        if (pdfsInFlight.size >= readers.concurrency) await Promise.race(pdfsInFlight);
        const reading = readPdfInWorker(paper, position, paper.source.mainFile, paper.source.origin).finally(() => pdfsInFlight.delete(reading));
        pdfsInFlight.add(reading);
        continue;
      }
      const project = await extractProject(paper.source.mainFile, options.extract);
      if (!project.ok) {
        setStatus(paper.id, { status: 'failed', detail: `LaTeX reader: ${project.reason}` });
        paperRead();
        continue;
      }
      const { formulas, macros, info } = project.value;
      read[position] = {
        paper: indexedPaper(paper, options.library, macros, info),
        formulas: formulas.map((formula) => ({
          latex: formula.latex,
          file: formula.file,
          line: formula.line,
          section: formula.section,
          env: formula.env,
          inline: formula.inline,
        })),
      };
      progress.formulasTotal += formulas.length;
      paperRead();
    }
    await Promise.all(pdfsInFlight);
  } finally {
    await readers.close();
  }
  const prepared = read.filter((paper): paper is PaperFormulas => paper !== undefined);

  // Unless cancelled before reading them all: then what was not read keeps its record.
  if (!options.signal?.aborted) pdfFailures.save(failedPdfs);
  progress.phase = 'indexing'; // emitted by indexPapers' first progress
  progress.papersDone = 0;
  const built = await indexPapers(index, prepared, {
    batchFormulas: options.batchFormulas ?? 1000,
    bitmap,
    signal: options.signal,
    onProgress: ({ papersDone, formulasDone }) => {
      // The papers of each committed batch are the next ones in `prepared`.
      for (const { paper, formulas } of prepared.slice(progress.papersDone, papersDone)) setStatus(paper.id, { status: 'indexed', formulas: formulas.length });
      Object.assign(progress, { papersDone, formulasDone });
      emit();
    },
    onBitmapProgress: (done, total) => {
      Object.assign(progress, { phase: 'embedding', formulasDone: done, formulasTotal: total });
      emit();
    },
  });
  if (!built.ok) return fail(built.reason);
  Object.assign(summary, { indexed: built.value.indexed, formulas: built.value.formulas, rendered: built.value.rendered, degraded: built.value.degraded });

  summary.cancelled = options.signal?.aborted ?? false;
  if (summary.cancelled) {
    for (const paper of changes.toIndex) {
      if (report.get(paper.id)?.status === 'ready') setStatus(paper.id, { detail: 'cancelled before it was indexed' });
    }
  }
  summary.report = [...report.values()];
  summary.failed = summary.report.filter((entry) => entry.status === 'failed').length;
  progress.phase = 'done';
  emit();
  return ok(summary);
}
