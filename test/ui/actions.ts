// What a person does in the workbench, as Playwright steps: open a file, run a command from the
// palette, read a notification. Shared by the UI tier's checks (and by future UI tests).
import type { FrameLocator, Locator, Page } from 'playwright-core';

const quickInput = (page: Page) => page.locator('.quick-input-widget');

/** Types into the quick input (opened by `key`) and accepts the row whose label matches `label`. */
async function pickFromQuickInput(page: Page, key: string, text: string, label: string): Promise<void> {
  await page.keyboard.press(key);
  const input = quickInput(page).locator('input');
  await input.waitFor();
  await input.fill(text);
  await quickInput(page).locator('.monaco-list-row', { hasText: label }).first().waitFor();
  await input.press('Enter');
  await quickInput(page).waitFor({ state: 'hidden' });
}

/** Opens a workspace file through Quick Open (Ctrl+P) and waits for its editor tab to be active. */
export async function openFile(page: Page, name: string): Promise<void> {
  await pickFromQuickInput(page, 'Control+P', name, name);
  await page.locator('.tab.active', { hasText: name }).waitFor();
}

/** Moves the cursor to the start (or end) of a 1-based line of the editor with Go to Line (Ctrl+G). */
export async function goToLine(page: Page, line: number, end = false): Promise<void> {
  await page.locator('.monaco-editor .view-line').first().click(); // the keys go to the editor, not the view
  await page.keyboard.press('Control+G');
  const input = page.locator('.quick-input-widget input');
  await input.waitFor();
  await input.fill(`:${line}`);
  await input.press('Enter');
  if (end) await page.keyboard.press('End');
}

/** The results view's page inside its webview frames. */
export function resultsView(page: Page): FrameLocator {
  return page.frameLocator('iframe.webview.ready').frameLocator('#active-frame');
}

/** Runs a command by its palette title (e.g. "Formula Lens: Show Engine Info") from the command palette (F1). */
export async function runCommand(page: Page, title: string): Promise<void> {
  await pickFromQuickInput(page, 'F1', `>${title}`, title);
}

/** The palette's rows for `query`, read without running anything (Escape closes the palette). */
export async function paletteEntries(page: Page, query: string): Promise<string[]> {
  await page.keyboard.press('F1');
  const input = quickInput(page).locator('input');
  await input.fill(`>${query}`);
  const rows = quickInput(page).locator('.monaco-list-row');
  await rows.first().waitFor();
  const labels = await rows.locator('.label-name').allInnerTexts();
  await input.press('Escape');
  return labels;
}

/** The notification toast whose text matches `pattern`, once it has faded in (so screenshots show it). */
export function notification(page: Page, pattern: RegExp): Locator {
  return page.locator('.notifications-toasts .notification-toast.notification-fade-in-done', { hasText: pattern });
}

/** The language shown in the status bar for the active editor (e.g. "LaTeX"). */
export async function editorLanguage(page: Page): Promise<string> {
  return (await page.locator('#status\\.editor\\.mode').innerText()).trim();
}
