// Builds the results view's markup from a ViewState. Pure (no DOM), so the tests check escaping and
// structure in Node. Text is always escaped; math comes only from the MathRenderer (KaTeX, trust off).
// Buttons carry a data-action and refs; the webview's one delegated click handler reads them.
import { escapeHtml } from './escape';
import type { EmptyReason, ViewFormula, ViewFormulaHit, ViewPaperResult, ViewState } from './protocol';

export type RenderMath = (formula: ViewFormula) => string;

export type ViewAction =
  | 'openSource'
  | 'insertCite'
  | 'copyBibtex'
  | 'openUrl'
  | 'moreLikeThis'
  | 'buildIndex'
  | 'selectIndex'
  | 'searchAtCursor';

const searchAtCursor = { id: 'searchAtCursor', label: 'Search formula at cursor' } as const;

const emptyTexts: Record<EmptyReason, { text: string; actions: { id: ViewAction; label: string }[] }> = {
  noFormula: { text: 'No formula at the cursor. Put the cursor inside math in a .tex or .md file.', actions: [searchAtCursor] },
  noIndex: {
    text: 'No index to search yet. Build one from your library (.bib files and LaTeX sources), or pick an existing index folder.',
    actions: [
      { id: 'buildIndex', label: 'Build index' },
      { id: 'selectIndex', label: 'Select index' },
    ],
  },
  engineStarting: { text: 'The Formula Lens engine is starting…', actions: [] },
  preparationStopped: {
    text: 'Preparing the default index was cancelled. It resumes where it stopped when you search again.',
    actions: [searchAtCursor, { id: 'buildIndex', label: 'Build index from your library' }],
  },
  engineDown: { text: 'The Formula Lens engine is not running. See the "Formula Lens" output for its log.', actions: [] },
  idle: { text: 'Put the cursor in a formula to see similar formulas from your library.', actions: [searchAtCursor] },
};

export function renderViewState(state: ViewState, renderMath: RenderMath): string {
  switch (state.kind) {
    case 'empty':
      return renderEmpty(state.reason, state.detail);
    case 'searching':
      return `${renderQuery(state.query, renderMath)}<p class="status" role="status">Searching…</p>`;
    case 'preparing':
      return `${renderQuery(state.query, renderMath)}${renderPreparing(state)}`;
    case 'error':
      return `${state.query ? renderQuery(state.query, renderMath) : ''}<p class="status error" role="alert">${escapeHtml(state.message)}</p>`;
    case 'results':
      return `${renderQuery(state.query, renderMath)}${renderResults(state, renderMath)}`;
  }
}

/** The default index's preparation: how far it is, and that the formula above is searched once it is ready. */
function renderPreparing({ progress, formulasDone, formulasTotal }: Extract<ViewState, { kind: 'preparing' }>): string {
  const percent = Math.floor(Math.min(1, Math.max(0, progress)) * 100);
  const counts = formulasTotal ? ` (${formulasDone ?? 0} of ${formulasTotal} formulas)` : '';
  return (
    `<div class="preparing" role="status"><p>Preparing the default index (once, on first use): ${percent}%${escapeHtml(counts)}. ` +
    `This formula is searched as soon as it is ready.</p><progress max="100" value="${percent}"></progress></div>`
  );
}

function renderEmpty(reason: EmptyReason, detail: string | undefined): string {
  const { text, actions } = emptyTexts[reason];
  const detailHtml = detail ? `<p class="detail">${escapeHtml(detail)}</p>` : '';
  const buttons = actions.length ? `<div class="actions">${actions.map((action) => actionButton(action.id, action.label, {})).join('')}</div>` : '';
  return `<div class="empty" data-reason="${reason}" role="status"><p>${escapeHtml(text)}</p>${detailHtml}${buttons}</div>`;
}

function renderQuery(query: ViewFormula, renderMath: RenderMath): string {
  return `<section class="query" aria-label="Formula at cursor"><h2>Formula at cursor</h2><div class="math">${renderMath(query)}</div></section>`;
}

/** What the colour in a result formula means (its tooltip, and the legend above results that have it). */
export const highlightLegend = "Highlighted: the symbols that match your formula's structure";

function renderResults({ results, indexName, citeLabel }: Extract<ViewState, { kind: 'results' }>, renderMath: RenderMath): string {
  const heading = `<h2>Similar formulas <span class="index-name">in ${escapeHtml(indexName)}</span></h2>`;
  if (results.length === 0) return `${heading}<p class="status" role="status">No similar formulas found.</p>`;
  const highlights = results.some((result) => result.formulas.some((hit) => hit.formula.highlightedLatex));
  const legend = highlights ? `<p class="legend"><span class="highlight-swatch" aria-hidden="true"></span>${escapeHtml(highlightLegend)}.</p>` : '';
  return `${heading}${legend}<ol class="papers">${results.map((result) => renderPaper(result, citeLabel, renderMath)).join('')}</ol>`;
}

function renderPaper({ paper, formulas }: ViewPaperResult, citeLabel: string, renderMath: RenderMath): string {
  const ref = { paper: paper.id };
  const title = paper.title.trim() || 'Untitled';
  const byline = [paper.authors.join(', '), paper.year === null ? '' : String(paper.year)].filter(Boolean).map(escapeHtml).join(' · ');
  const actions = [
    actionButton('insertCite', citeLabel, ref, `Insert a citation of ${paper.title} at the cursor`),
    actionButton('copyBibtex', 'Copy BibTeX', ref, `Copy the BibTeX entry of ${paper.title}`),
    paper.hasUrl ? actionButton('openUrl', 'Open paper', ref, `Open ${paper.title} in the browser`) : '',
  ].join('');
  const formulaItems = formulas.map((hit, index) => {
      const formulaRef = { ...ref, formula: String(index) };
      const section = hit.section ? ` <span class="section">§ ${escapeHtml(hit.section)}</span>` : '';
      const hitActions = [
        hit.hasSource
          ? hit.pdf
            ? actionButton('openSource', 'Open PDF', formulaRef, `Open the PDF at page ${hit.pdf.page}`)
            : actionButton('openSource', 'Open source', formulaRef, 'Open the source file at this formula')
          : '',
        actionButton('moreLikeThis', 'More like this', formulaRef, 'Search for formulas similar to this one'),
      ].join('');
      const tooltip = hit.formula.highlightedLatex ? ` title="${escapeHtml(highlightLegend)}"` : '';
      return (
        `<li class="formula"><div class="math"${tooltip}>${hit.pdf?.image ? pdfCrop(hit.pdf) : renderMath(hit.formula)}</div>` +
        `<div class="formula-meta">${scoreBadge(hit)}${pdfPage(hit.pdf)}${section}${foundByTag(hit.foundBy)}<span class="actions">${hitActions}</span></div></li>`
      );
    });
  // Compact, so that several papers fit a bottom panel: one header line, the best formula, the others folded.
  const [best = '', ...others] = formulaItems;
  const more = others.length
    ? `<details class="more"><summary>${others.length} more from this paper</summary><ol class="formulas">${others.join('')}</ol></details>`
    : '';
  return (
    `<li class="paper" data-paper="${escapeHtml(paper.id)}"><div class="paper-header">` +
    `<h3 class="title" title="${escapeHtml(title)}">${escapeHtml(title)}</h3>${byline ? `<span class="meta">${byline}</span>` : ''}` +
    `<span class="actions">${actions}</span></div><ol class="formulas">${best}</ol>${more}</li>`
  );
}

/** A PDF formula as its crop, the picture the bitmap encoder saw (its LaTeX is only written back from the glyphs). */
function pdfCrop({ page, number, image }: NonNullable<ViewFormulaHit['pdf']>): string {
  const alt = `Formula ${number ?? ''} on page ${page} of the PDF`.replace(/ {2}/, ' ');
  return `<img class="pdf-crop" src="${escapeHtml(image ?? '')}" alt="${escapeHtml(alt)}" width="333" height="32">`;
}

function pdfPage(pdf: ViewFormulaHit['pdf']): string {
  return pdf ? ` <span class="pdf-page" title="read from the PDF">p. ${pdf.page}${pdf.number ? ` ${escapeHtml(pdf.number)}` : ''}</span>` : '';
}

/** What 1.0 means on the shown scale (src/engine/score.ts), for the score's tooltip. */
export const scoreMeaning =
  "1.0: as alike as your formula to itself (each signal relative to your formula's own score; an embedding counts only what it has above what unrelated formulas reach); 0: no more alike than unrelated formulas.";

/** The formula's score, once, with a tooltip naming the signals that made it. */
function scoreBadge({ similarity, signals }: ViewFormulaHit): string {
  const parts = signals.map((part) => `${part.signal} ${formatSimilarity(part.similarity)} × weight ${formatSimilarity(part.weight)}`).join(' + ');
  const tooltip = `Score ${formatSimilarity(similarity)}${parts ? ` = ${parts}` : ''}. ${scoreMeaning}`;
  return `<span class="score" title="${escapeHtml(tooltip)}">score ${formatSimilarity(similarity)}</span>`;
}

/** "found by" tag: the signals that proposed the formula (hybrid and single-signal search modes). */
function foundByTag(signals: string[] | undefined): string {
  if (!signals?.length) return '';
  const names = signals.map(escapeHtml).join(' + ');
  return ` <span class="found-by" title="found by the ${names} signal${signals.length > 1 ? 's' : ''}">found by ${names}</span>`;
}

function formatSimilarity(similarity: number): string {
  return similarity.toFixed(2);
}

function actionButton(action: ViewAction, label: string, data: Record<string, string>, ariaLabel?: string): string {
  const attributes = Object.entries(data)
    .map(([key, value]) => ` data-${key}="${escapeHtml(value)}"`)
    .join('');
  const aria = ariaLabel ? ` aria-label="${escapeHtml(ariaLabel)}"` : '';
  return `<button type="button" data-action="${action}"${attributes}${aria}>${escapeHtml(label)}</button>`;
}
