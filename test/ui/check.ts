// A UI check: one thing a person would see, asserted in the workbench. Files test/ui/*.ui.ts export
// `checks`; test/runner/ui.ts runs them all, in file and list order, against one workbench, counting
// each as a passed or failed test. Later checks may rely on what earlier ones in the same file did.
import type { Page } from 'playwright-core';

export interface UiCheck {
  name: string;
  run(page: Page): Promise<void>;
}
