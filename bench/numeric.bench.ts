// Numeric signatures: how many corpus formulas get one (by source group, with the reasons the others do
// not), and how fast they are computed on one core. A seeded sample per group (FORMULA_LENS_BENCH_LIMIT
// formulas each, default 500): the whole corpus would take about 15 CPU minutes.
import { seededRandom } from '../src/core/seeded-random';
import { numericSignature, type NoSignatureReason } from '../src/core/latex/numeric-signature';
import { readCorpus, sourceGroup, type SourceGroup } from '../src/core/render/corpus';
import { corpusPath } from '../test/helpers/paths';
import type { Bench } from './run';

const perGroup = Number(process.env.FORMULA_LENS_BENCH_LIMIT ?? 500);

interface Sampled {
  latex: string;
  macros: string;
}

/** `count` formulas of each group, drawn without replacement with a fixed seed; and each group's total. */
function sampleByGroup(records: Awaited<ReturnType<typeof readCorpus>>, count: number): Map<SourceGroup, { total: number; sample: Sampled[] }> {
  const all = new Map<SourceGroup, Sampled[]>();
  for (const record of records) {
    const group = sourceGroup(record.source);
    const list = all.get(group) ?? [];
    for (const formula of record.formulas) list.push({ latex: formula.latex, macros: record.macros ?? '' });
    all.set(group, list);
  }
  const random = seededRandom(10);
  const out = new Map<SourceGroup, { total: number; sample: Sampled[] }>();
  for (const [group, list] of [...all].sort(([a], [b]) => a.localeCompare(b))) {
    const picked = Math.min(count, list.length);
    for (let i = 0; i < picked; i++) {
      const j = i + Math.floor(random() * (list.length - i));
      [list[i], list[j]] = [list[j], list[i]];
    }
    out.set(group, { total: list.length, sample: list.slice(0, picked) });
  }
  return out;
}

const percent = (part: number, whole: number): string => `${((100 * part) / Math.max(whole, 1)).toFixed(1)}%`;
/** Half-width of the 95% interval of a sampled proportion. */
const margin = (part: number, whole: number): string => {
  const p = part / Math.max(whole, 1);
  return `±${(196 * Math.sqrt((p * (1 - p)) / Math.max(whole, 1))).toFixed(1)}`;
};

function quantile(sorted: readonly number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? NaN;
}

export const bench: Bench = {
  title: 'Numeric signatures: corpus coverage by source group, throughput on one core',
  async run() {
    const corpus = corpusPath();
    if (!corpus) {
      console.log('skipped: needs ../shared/corpus/papers.jsonl (or FORMULA_LENS_CORPUS)');
      return;
    }
    const groups = sampleByGroup(await readCorpus(corpus), perGroup);
    numericSignature('\\frac{1}{1+e^{-z}}'); // loads and warms compute-engine
    const reasons = new Map<NoSignatureReason, number>();
    const wallMs: number[] = [];
    let estimatedSigned = 0;
    let corpusTotal = 0;
    let formulas = 0;
    let cpuSeconds = 0;
    console.log('group                   sampled  with a signature        (corpus formulas)');
    for (const [group, { total, sample }] of groups) {
      let signed = 0;
      const cpu = process.cpuUsage();
      for (const formula of sample) {
        const started = performance.now();
        const result = numericSignature(formula.latex, formula.macros);
        wallMs.push(performance.now() - started);
        if (result.ok) signed++;
        else reasons.set(result.reason, (reasons.get(result.reason) ?? 0) + 1);
      }
      const used = process.cpuUsage(cpu);
      cpuSeconds += (used.user + used.system) / 1e6;
      formulas += sample.length;
      estimatedSigned += (signed / Math.max(sample.length, 1)) * total;
      corpusTotal += total;
      console.log(`${group.padEnd(22)} ${String(sample.length).padStart(8)}  ${percent(signed, sample.length).padStart(6)} ${margin(signed, sample.length).padStart(6)} pp   ${String(total).padStart(8)}`);
    }
    console.log(`whole corpus (groups weighted by size): ≈ ${percent(estimatedSigned, corpusTotal)} of ${corpusTotal} formulas, ≈ ${Math.round(estimatedSigned)} signatures`);
    const failed = [...reasons.values()].reduce((sum, count) => sum + count, 0);
    console.log(`no signature, by reason (of ${failed}): ${[...reasons].sort((a, b) => b[1] - a[1]).map(([reason, count]) => `${reason} ${percent(count, failed)}`).join(', ')}`);
    wallMs.sort((a, b) => a - b);
    console.log(`throughput: ${Math.round(formulas / cpuSeconds)} formulas/CPU-s (${((1000 * cpuSeconds) / formulas).toFixed(2)} CPU-ms each); wall per formula p50 ${quantile(wallMs, 0.5).toFixed(1)} ms, p99 ${quantile(wallMs, 0.99).toFixed(1)} ms, max ${wallMs[wallMs.length - 1].toFixed(0)} ms`);
  },
};
