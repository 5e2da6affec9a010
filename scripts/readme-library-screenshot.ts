// Makes docs/images/library-build-index.png for the README: "Formula Lens: Build Index" asking for the
// library folder, in code-server with the fixture library (test/fixtures/library) open.
// Run: node --import tsx scripts/readme-library-screenshot.ts
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { withWorkbench } from '../test/runner/code-server';
import { runCommand } from '../test/ui/actions';
import { repoRoot } from '../test/helpers/paths';

async function main(): Promise<void> {
  const scratch = mkdtempSync(path.join(tmpdir(), 'formula-lens-screenshot-'));
  const library = path.join(scratch, 'my-papers');
  cpSync(path.join(repoRoot, 'test', 'fixtures', 'library', 'bib-folder'), library, { recursive: true });
  try {
    await withWorkbench({ folder: library, viewport: { width: 1200, height: 700 } }, async ({ page }) => {
      await page.locator('.explorer-folders-view .monaco-list-row', { hasText: 'refs.bib' }).waitFor();
      await page.locator('.explorer-folders-view .monaco-list-row', { hasText: 'refs.bib' }).click();
      // The palette lists the command once the extension host has read the extension: retry until then.
      for (let attempt = 1; ; attempt++) {
        try {
          await runCommand(page, 'Formula Lens: Build Index');
          break;
        } catch (error) {
          if (attempt === 4) throw error;
          await page.keyboard.press('Escape');
        }
      }
      const input = page.locator('.quick-input-widget input');
      await input.waitFor(); // the dialog opens on the workspace folder: the library
      await page.locator('.quick-input-widget .monaco-list-row', { hasText: 'smith2020' }).waitFor();
      await page.screenshot({ path: path.join(repoRoot, 'docs', 'images', 'library-build-index.png') });
    });
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

void main();
