// The extension in the workbench as a person uses it: open the paper, find the commands in the palette,
// ask the engine for its info and read the answer in a notification; restart it and see a new process.
import assert from 'node:assert/strict';
import * as path from 'node:path';
import type { Page } from 'playwright-core';
import { resultsDir } from '../runner/results';
import { editorLanguage, notification, openFile, paletteEntries, runCommand } from './actions';
import type { UiCheck } from './check';

const engineInfo = /Formula Lens engine \d+\.\d+\.\d+ \(pid (\d+), v\d+[^)]*\); native modules: [^.]+\./;

/** Clears old notifications, runs Show Engine Info and returns the pid its notification names. */
async function engineInfoPid(page: Page): Promise<number> {
  await runCommand(page, 'Notifications: Clear All Notifications');
  await runCommand(page, 'Formula Lens: Show Engine Info');
  const text = await notification(page, engineInfo).innerText();
  return Number(engineInfo.exec(text)?.[1]);
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

let firstPid = 0;

export const checks: UiCheck[] = [
  {
    name: 'the fixture paper opens from Quick Open in a LaTeX editor',
    async run(page) {
      await openFile(page, 'paper.tex');
      await page.locator('.monaco-editor .view-line', { hasText: 'argmin' }).first().waitFor();
      assert.equal(await editorLanguage(page), 'LaTeX');
    },
  },
  {
    name: 'the command palette lists the Formula Lens commands',
    async run(page) {
      const entries = await paletteEntries(page, 'Formula Lens');
      for (const title of ['Formula Lens: Show Engine Info', 'Formula Lens: Restart Engine']) {
        assert.ok(entries.includes(title), `${title} missing from ${JSON.stringify(entries)}`);
      }
    },
  },
  {
    name: 'Show Engine Info tells the running engine process in a notification',
    async run(page) {
      firstPid = await engineInfoPid(page);
      assert.ok(alive(firstPid), `the engine pid ${firstPid} should be a live process`);
      await page.screenshot({ path: path.join(resultsDir, 'ui-engine-info.png') });
    },
  },
  {
    name: 'Restart Engine from the palette gives a new engine process',
    async run(page) {
      assert.ok(firstPid, 'needs the previous check’s engine');
      await runCommand(page, 'Formula Lens: Restart Engine');
      const restartedPid = await engineInfoPid(page);
      assert.notEqual(restartedPid, firstPid);
      await page.screenshot({ path: path.join(resultsDir, 'ui-engine-restarted.png') });
    },
  },
];
