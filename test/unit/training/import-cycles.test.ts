// The training scripts import shared modules, never each other in a circle (issue 18): imports inside
// functions count, as they run as soon as the function does.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { findCycle, type ImportGraph } from '../../helpers/import-cycles';
import { repoRoot } from '../../helpers/paths';

/** The modules a Python source imports, at the top or inside a function (`from x import …`, `import x, y`). */
function pythonImports(source: string): string[] {
  const imports = source.matchAll(/^[ \t]*(?:from[ \t]+(\w+)[ \t]+import\b|import[ \t]+([\w \t,]+)$)/gm);
  return [...imports].flatMap(([, from, names]) => (from ? [from] : names!.split(',').map((name) => name.trim().split(/\s+/)[0]!)));
}

function trainingImports(): ImportGraph {
  const folder = path.join(repoRoot, 'training');
  const modules = readdirSync(folder).filter((name) => name.endsWith('.py')).map((name) => name.replace(/\.py$/, ''));
  return new Map(modules.map((module) => {
    const imported = pythonImports(readFileSync(path.join(folder, `${module}.py`), 'utf8'));
    return [module, imported.filter((name) => modules.includes(name))];
  }));
}

test('training/ has no import cycle', () => {
  const graph = trainingImports();
  assert.ok(graph.get('train')?.includes('data'), 'the imports are read');
  assert.equal(findCycle(graph)?.join(' → '), undefined);
});

test('the import reader sees imports inside functions and several modules on one line', () => {
  const source = [
    'import sys, json',
    'import numpy as np',
    'from data import DataError  # noqa: E402',
    'def initialise(model):',
    '    from finetune import load_onnx_weights  # loaded only when needed',
    '    text = "from nowhere import nothing"',
  ].join('\n');
  assert.deepEqual(pythonImports(source), ['sys', 'json', 'numpy', 'data', 'finetune']);
});
