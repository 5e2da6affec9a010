// The extension's modules import each other in one direction only: the Ctx owns the state and the features
// get the pieces they need (issue 18). Type-only imports count too: they tie the modules' designs together.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { findCycle, type ImportGraph } from '../../helpers/import-cycles';
import { repoRoot } from '../../helpers/paths';

/** The same-folder modules a source imports or re-exports from (`./name`), one line or several. */
function localImports(source: string): string[] {
  const specifiers = source.matchAll(/^\s*(?:import|export)\b[^;]*?['"]\.\/([^'"]+)['"]/gm);
  return [...specifiers].map((match) => match[1]!.replace(/\.ts$/, ''));
}

function extensionImports(): ImportGraph {
  const folder = path.join(repoRoot, 'src', 'extension');
  const modules = readdirSync(folder).filter((name) => name.endsWith('.ts'));
  return new Map(modules.map((name) => [name.replace(/\.ts$/, ''), localImports(readFileSync(path.join(folder, name), 'utf8'))]));
}

test('src/extension has no import cycle', () => {
  const graph = extensionImports();
  assert.ok(graph.get('ctx')?.includes('config'), 'the imports are read');
  assert.equal(findCycle(graph)?.join(' → '), undefined);
});

test('the import reader sees type-only, multi-line and re-exports, and the search finds a cycle through them', () => {
  const source = [
    "import * as vscode from 'vscode';",
    "import type { Ctx } from './ctx';",
    'import {\n  one,\n  two,\n} from "./library-watcher";',
    "export { three } from './build-index.ts';",
    "import { four } from '../engine/protocol';",
    "const text = 'import { five } from \"./not-a-module\"';",
  ].join('\n');
  assert.deepEqual(localImports(source), ['ctx', 'library-watcher', 'build-index']);
  const cyclic: ImportGraph = new Map([
    ['ctx', ['config', 'library-watcher']],
    ['config', []],
    ['library-watcher', ['build-index']],
    ['build-index', ['ctx']],
  ]);
  assert.deepEqual(findCycle(cyclic), ['ctx', 'library-watcher', 'build-index', 'ctx']);
  assert.equal(findCycle(new Map([['ctx', ['config']], ['config', []], ['commands', ['ctx', 'config']]])), undefined);
});
