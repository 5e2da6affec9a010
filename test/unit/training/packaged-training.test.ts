// The installed extension runs the training scripts from its own folder (Train Model on Library), so the
// package must hold every file they need: the scripts, the node helpers their parity checks run, and the
// tokenizer's tables, which live under src/ for the TypeScript side. `vsce ls` lists what the .vsix holds.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { repoRoot } from '../../helpers/paths';

test('the package holds the training scripts and every file they read', () => {
  const listed = new Set(
    execFileSync(process.execPath, [path.join(repoRoot, 'node_modules', '@vscode', 'vsce', 'vsce'), 'ls', '--no-dependencies'], { cwd: repoRoot, encoding: 'utf8' })
      .split('\n')
      .map((line) => line.trim())
      .filter(Boolean),
  );
  const scripts = readdirSync(path.join(repoRoot, 'training')).filter((name) => /\.(py|mjs)$/.test(name)).map((name) => `training/${name}`);
  const tables = ['src/core/latex/vocab.json', 'src/core/latex/canonical-rules.json']; // training/tokenizer.py's RULES_PATH and VOCAB_PATH
  const missing = [...scripts, ...tables, 'models/see.onnx', 'models/symbolic.onnx'].filter((file) => !listed.has(file));
  assert.deepEqual(missing, []);
});
