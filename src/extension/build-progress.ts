// What Build Index shows and logs: the progress line (papers, formulas, time left) and the per-entry
// report for the output channel. vscode-free (unit-tested).
import type { BuildIndexResult, BuildReportEntry, IndexProgress } from '../engine/protocol';

/** Below this fraction done, an estimate of the time left is noise. */
const minFractionForEta = 0.05;

/** Tracks one build's progress and words it: "embedding · 3/10 papers · 420/1,200 formulas · about 2 min left". */
export class BuildProgress {
  private startedAt: number | undefined;

  constructor(private readonly now: () => number = Date.now) {}

  message(update: IndexProgress): string {
    const now = this.now();
    // The clock starts at the first report: planning a library is quick and says nothing about the rest.
    this.startedAt ??= now;
    const parts = [update.phase];
    if (update.papersTotal) parts.push(`${count(update.papersDone ?? 0)}/${count(update.papersTotal)} papers`);
    if (update.formulasTotal) parts.push(`${count(update.formulasDone ?? 0)}/${count(update.formulasTotal)} formulas`);
    const eta = timeLeft(update.progress, now - this.startedAt);
    if (eta) parts.push(eta);
    return parts.join(' · ');
  }
}

/** "about N s/min left" from the fraction done and the time it took, or '' while too early to tell. */
export function timeLeft(fraction: number, elapsedMs: number): string {
  if (!(fraction >= minFractionForEta) || fraction >= 1 || elapsedMs <= 0) return '';
  const seconds = (elapsedMs * (1 - fraction)) / fraction / 1000;
  if (seconds < 60) return `about ${Math.max(1, Math.round(seconds))} s left`;
  if (seconds < 3600) return `about ${Math.round(seconds / 60)} min left`;
  return `about ${(seconds / 3600).toFixed(1)} h left`;
}

function count(value: number): string {
  return value.toLocaleString('en-US');
}

const statusLabels: Record<string, string> = {
  indexed: 'indexed',
  unchanged: 'unchanged',
  ready: 'not indexed',
  'no-source': 'no source',
  'pdf-only': 'pdf only',
  failed: 'failed',
  removed: 'removed',
};

/** The lines the "Formula Lens" output channel gets after a build: a summary, then one line per entry. */
export function buildReportLines(folders: readonly string[], result: BuildIndexResult): string[] {
  if (result.kind === 'failed') return [`Build Index over ${folders.join(', ')} failed: ${result.reason}`];
  const { indexed, unchanged, removed, failed, formulas, cancelled } = result;
  const head = `Build Index over ${folders.join(', ')}${result.library ? ` (library "${result.library}")` : ''}${cancelled ? ', cancelled' : ''}: ` +
    `${indexed} indexed (${formulas} formulas), ${unchanged} unchanged, ${removed} removed, ${failed} failed`;
  return [head, ...(result.report ?? []).map(reportLine)];
}

function reportLine(entry: BuildReportEntry): string {
  const status = statusLabels[entry.status] ?? entry.status;
  const formulas = entry.status === 'indexed' && entry.formulas !== undefined ? ` (${entry.formulas} formulas)` : '';
  const where = entry.bibFile ? ` [${entry.bibFile}]` : '';
  const detail = entry.detail && entry.status !== 'indexed' ? `: ${entry.detail}` : '';
  return `  ${status.padEnd(11)} ${entry.id}${formulas}${where}${detail}`;
}
