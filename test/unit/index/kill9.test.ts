import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { after, test } from 'node:test';
import { FormulaIndex } from '../../../src/core/index/store';
import { tsxArgs } from '../../helpers/paths';
import { crashTestOptions, crashTestPaper, formulasPerPaper } from './crash-fixture';

const scratch = mkdtempSync(path.join(tmpdir(), 'formula-lens-kill9-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

/** Runs the writer until it has committed `steps` updates, waits `delayMs` more, then kills it with SIGKILL. */
function runAndKill(directory: string, steps: number, delayMs: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, tsxArgs('test/unit/index/crash-writer.ts', directory), { stdio: ['ignore', 'pipe', 'pipe'] });
    let lastCommitted = 0;
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.stdout.on('data', (chunk: Buffer) => {
      const steps_ = [...chunk.toString().matchAll(/committed (\d+)/g)].map((match) => Number(match[1]));
      const before = lastCommitted;
      lastCommitted = Math.max(lastCommitted, ...steps_);
      if (before < steps && lastCommitted >= steps) setTimeout(() => child.kill('SIGKILL'), delayMs);
    });
    child.on('exit', (_code, signal) =>
      signal === 'SIGKILL' ? resolve(lastCommitted) : reject(new Error(`writer exited by itself: ${stderr}`)),
    );
  });
}

test('kill -9 in the middle of updates leaves the last committed index loadable', { timeout: 60_000 }, async () => {
  // Several kills at different moments of the update cycle (copy of the database, its update and sync, CURRENT, cleanup).
  for (const delayMs of [0, 29, 71]) {
    const directory = path.join(scratch, `delay-${delayMs}`);
    const lastPrinted = await runAndKill(directory, 3, delayMs);
    const opened = FormulaIndex.open(directory, crashTestOptions);
    assert.ok(opened.ok, opened.ok ? '' : opened.reason.message);
    const { index, notices } = opened.value;
    assert.deepEqual(notices, []);
    // The kill may land after a commit but before its line was printed: the index holds step n or n+1.
    const ids = index.papers().map((paper) => paper.id).sort();
    const stateAfter = (step: number) => [step - 2, step - 1, step].filter((n) => n >= 1).map((n) => `p${n}`).sort();
    const committed = [lastPrinted, lastPrinted + 1].find((step) => JSON.stringify(stateAfter(step)) === JSON.stringify(ids));
    assert.ok(committed !== undefined, `after printing step ${lastPrinted} the index holds ${ids.join(', ')}`);
    assert.equal(index.stats().formulas, ids.length * formulasPerPaper);
    const stored = new Map([...index.allFormulas()].map((formula) => [formula.latex, formula.paperId]));
    for (const id of ids) assert.equal(stored.get(crashTestPaper(Number(id.slice(1))).formulas[11]!.latex), id);
    assert.equal(readdirSync(directory).filter((name) => name.startsWith('metadata-')).length, 1, 'leftovers cleaned');
    index.close();
  }
});
