import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { binaryTarget, chooseTarget, hnswlibAddon, onnxruntimeFolder, packageIgnoreRules, requestedTarget } from '../../../scripts/package-target';
import { repoRoot } from '../../helpers/paths';

/** A zeroed buffer with a binary's header written into it. */
function header(write: (buffer: Buffer) => void): Buffer {
  const buffer = Buffer.alloc(128);
  write(buffer);
  return buffer;
}

test('a native binary names its platform in its header', () => {
  const elf = (machine: number) => header((b) => (b.writeUInt32BE(0x7f454c46, 0), (b[5] = 1), b.writeUInt16LE(machine, 18)));
  assert.equal(binaryTarget(elf(0x3e)), 'linux-x64');
  assert.equal(binaryTarget(elf(0xb7)), 'linux-arm64');
  assert.equal(binaryTarget(elf(0x28)), 'linux-armhf');
  const machO = (cpu: number) => header((b) => (b.writeUInt32LE(0xfeedfacf, 0), b.writeUInt32LE(cpu, 4)));
  assert.equal(binaryTarget(machO(0x0100000c)), 'darwin-arm64');
  assert.equal(binaryTarget(machO(0x01000007)), 'darwin-x64');
  const pe = (machine: number) => header((b) => (b.write('MZ', 0, 'latin1'), b.writeUInt32LE(0x40, 0x3c), b.write('PE\0\0', 0x40, 'latin1'), b.writeUInt16LE(machine, 0x44)));
  assert.equal(binaryTarget(pe(0x8664)), 'win32-x64');
  assert.equal(binaryTarget(pe(0xaa64)), 'win32-arm64');
  assert.equal(binaryTarget(elf(0x08)), undefined, 'an architecture vsce has no target for');
  assert.equal(binaryTarget(Buffer.from('#!/bin/sh\necho not a binary\n'.padEnd(80))), undefined);
});

test('hnswlib-node here was compiled for this machine', { skip: !existsSync(path.join(repoRoot, hnswlibAddon)) && 'npm ci has not run' }, () => {
  assert.equal(binaryTarget(readFileSync(path.join(repoRoot, hnswlibAddon))), `${process.platform}-${process.arch}`);
});

test('the target comes from --target, else VSCE_TARGET, else the compiled platform', () => {
  assert.equal(requestedTarget(['--target', 'win32-x64'], { VSCE_TARGET: 'darwin-arm64' }), 'win32-x64');
  assert.equal(requestedTarget([], { VSCE_TARGET: 'darwin-arm64' }), 'darwin-arm64');
  assert.equal(requestedTarget([], {}), undefined);
  assert.deepEqual(chooseTarget(undefined, 'linux-x64'), { ok: true, target: 'linux-x64' });
  assert.deepEqual(chooseTarget('linux-x64', 'linux-x64'), { ok: true, target: 'linux-x64' });
});

test('a target other than the compiled platform is refused, saying where to build it', () => {
  for (const requested of ['darwin-arm64', 'win32-x64', 'linux-arm64', 'alpine-x64']) {
    const choice = chooseTarget(requested, 'linux-x64');
    assert.equal(choice.ok, false, requested);
    if (!choice.ok) {
      assert.match(choice.reason, new RegExp(`cannot package for ${requested} here: hnswlib-node .* compiled for linux-x64`));
      assert.match(choice.reason, /npm ci && npm run package/);
    }
  }
  assert.equal(chooseTarget('linux-x64', undefined).ok, false, 'no compiled addon: run npm ci first');
});

test("a target's ignore rules take back only that target's onnxruntime binaries", () => {
  assert.equal(onnxruntimeFolder('darwin-arm64'), 'node_modules/onnxruntime-node/bin/napi-v6/darwin/arm64');
  const rules = packageIgnoreRules('**\n!out/*.js\n', 'win32-x64').split('\n');
  assert.deepEqual(rules.filter((rule) => rule.startsWith('!')), ['!out/*.js', '!node_modules/onnxruntime-node/bin/napi-v6/win32/x64/**']);
  const vscodeignore = readFileSync(path.join(repoRoot, '.vscodeignore'), 'utf8');
  assert.doesNotMatch(vscodeignore, /onnxruntime-node\/(\*\*|bin)/, '.vscodeignore itself takes back no platform binaries');
});
