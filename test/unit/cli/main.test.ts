import { spawnSync } from 'node:child_process';
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { tsxArgs } from '../../helpers/paths';

function cli(...args: string[]) {
  return spawnSync(process.execPath, tsxArgs('src/cli/main.ts', ...args), { encoding: 'utf8' });
}

test('--help lists the usage and exits 0', () => {
  const result = cli('--help');
  assert.equal(result.status, 0, result.stderr);
  assert.match(result.stdout, /Usage: formula-lens <command>/);
});

test('no arguments prints the usage and exits 2', () => {
  const result = cli();
  assert.equal(result.status, 2);
  assert.match(result.stdout, /Usage: formula-lens/);
});

test('an unknown command is a usage error naming it', () => {
  const result = cli('frobnicate');
  assert.equal(result.status, 2);
  assert.match(result.stderr, /unknown command 'frobnicate'/);
});
