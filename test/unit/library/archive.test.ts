import assert from 'node:assert/strict';
import { existsSync, lstatSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { after, test } from 'node:test';
import { gzipSync } from 'node:zlib';
import { extractArchive, extractToCache, safeRelativePath } from '../../../src/core/library/archive';
import { defaultArchiveLimits } from '../../../src/core/library/types';
import { tarGzOf, tarOf, type RawEntry } from './tar-fixture';

const workspaces: string[] = [];
after(() => workspaces.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

function workspace(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'fl-archive-'));
  workspaces.push(dir);
  return dir;
}

/** Writes `bytes` as `name` in a fresh folder and extracts it to `<folder>/out`. */
async function extract(name: string, bytes: Buffer, limits = defaultArchiveLimits) {
  const dir = workspace();
  const archive = path.join(dir, name);
  writeFileSync(archive, bytes);
  const destination = path.join(dir, 'out');
  const result = await extractArchive(archive, destination, limits);
  return { dir, destination, result };
}

/** Nothing but the archive itself (and, on success, `out`) may exist in the folder afterwards. */
function assertNoLeftovers(dir: string, archiveName: string, expectOut: boolean): void {
  const names = readdirSync(dir).sort();
  assert.deepEqual(names, expectOut ? [archiveName, 'out'].sort() : [archiveName]);
}

async function assertRejected(name: string, bytes: Buffer, kind: string, limits = defaultArchiveLimits) {
  const { dir, result } = await extract(name, bytes, limits);
  assert.equal(result.ok, false, 'hostile archive was accepted');
  if (!result.ok) assert.equal(result.reason.kind, kind, result.reason.message);
  assertNoLeftovers(dir, name, false);
}

const paperEntries: RawEntry[] = [
  { path: 'paper/', type: '5' },
  { path: 'paper/main.tex', body: '\\documentclass{article}\\input{sections/intro}\\begin{document}x\\end{document}' },
  { path: 'paper/sections/intro.tex', body: '$$a^2+b^2=c^2$$' },
  { path: 'paper/macros.sty', body: '\\newcommand{\\R}{\\mathbb{R}}' },
  { path: 'paper/figure.png', body: Buffer.from([0x89, 0x50, 0x4e, 0x47, 0, 0, 1, 2]) },
];

test('an arXiv-style .tar.gz yields its text sources and leaves figures out', async () => {
  const { dir, destination, result } = await extract('2101.00001.tar.gz', tarGzOf(paperEntries));
  assert.ok(result.ok, result.ok ? '' : result.reason.message);
  assert.deepEqual(result.value.files, ['paper/macros.sty', 'paper/main.tex', 'paper/sections/intro.tex']);
  assert.equal(readFileSync(path.join(destination, 'paper/sections/intro.tex'), 'utf8'), '$$a^2+b^2=c^2$$');
  assert.equal(existsSync(path.join(destination, 'paper/figure.png')), false);
  assertNoLeftovers(dir, '2101.00001.tar.gz', true);
});

test('a single gzipped .tex (how arXiv serves one-file papers) becomes one .tex file', async () => {
  const tex = '\\documentclass{article}\\begin{document}$x$\\end{document}';
  const { destination, result } = await extract('hep-th-0301001.gz', gzipSync(tex));
  assert.ok(result.ok);
  assert.deepEqual(result.value.files, ['hep-th-0301001.tex']);
  assert.equal(readFileSync(path.join(destination, 'hep-th-0301001.tex'), 'utf8'), tex);
});

test('a .gz that holds a tar is unpacked as a tar', async () => {
  const { result } = await extract('2101.00002.gz', tarGzOf(paperEntries));
  assert.ok(result.ok);
  assert.equal(result.value.files.length, 3);
});

test('path traversal with ../ rejects the whole archive and writes nothing outside', async () => {
  await assertRejected('evil.tar.gz', tarGzOf([{ path: 'ok.tex', body: 'x' }, { path: '../evil.tex', body: 'pwned' }]), 'unsafe-path');
  await assertRejected('evil2.tar.gz', tarGzOf([{ path: 'a/../../evil.tex', body: 'pwned' }]), 'unsafe-path');
});

test('absolute paths (POSIX and Windows) are rejected', async () => {
  await assertRejected('abs.tar.gz', tarGzOf([{ path: '/tmp/formula-lens-abs.tex', body: 'pwned' }]), 'unsafe-path');
  await assertRejected('drive.tar.gz', tarGzOf([{ path: 'C:/evil.tex', body: 'pwned' }]), 'unsafe-path');
  assert.equal(existsSync('/tmp/formula-lens-abs.tex'), false);
});

test('symbolic and hard links are never created, only reported', async () => {
  const { destination, result } = await extract(
    'links.tar.gz',
    tarGzOf([
      { path: 'main.tex', body: '\\documentclass{article}' },
      { path: 'passwd.tex', type: '2', linkpath: '/etc/passwd' },
      { path: 'hard.tex', type: '1', linkpath: '../../etc/passwd' },
      { path: 'tty.tex', type: '3' },
    ]),
  );
  assert.ok(result.ok);
  assert.deepEqual(result.value.files, ['main.tex']);
  assert.deepEqual(result.value.skipped.map((skip) => skip.path), ['passwd.tex', 'hard.tex', 'tty.tex']);
  assert.match(result.value.skipped[0]!.reason, /symbolic link/);
  assert.match(result.value.skipped[1]!.reason, /hard link/);
  for (const name of ['passwd.tex', 'hard.tex', 'tty.tex']) assert.throws(() => lstatSync(path.join(destination, name)));
});

test('an entry above the size cap is rejected, even when its header lies', async () => {
  const limits = { ...defaultArchiveLimits, maxEntryBytes: 1000 };
  await assertRejected('huge.tar.gz', tarGzOf([{ path: 'huge.tex', body: 'x'.repeat(2000) }]), 'entry-too-large', limits);
  await assertRejected('liar.tar.gz', tarGzOf([{ path: 'liar.tex', body: 'x', headerSize: 2 ** 33 }]), 'entry-too-large');
  await assertRejected('huge.gz', gzipSync('x'.repeat(2000)), 'entry-too-large', limits);
});

test('too many entries are rejected', async () => {
  const many = Array.from({ length: 20 }, (_, index) => ({ path: `f${index}.tex`, body: 'x' }));
  await assertRejected('many.tar.gz', tarGzOf(many), 'too-many-files', { ...defaultArchiveLimits, maxFiles: 10 });
});

test('a zip bomb stops at the decompression ratio, before it is inflated', async () => {
  const bomb = tarGzOf([{ path: 'zeros.tex', body: Buffer.alloc(16 * 1024 * 1024) }]);
  assert.ok(bomb.length < 100_000, `bomb is ${bomb.length} bytes`);
  await assertRejected('bomb.tar.gz', bomb, 'ratio', { ...defaultArchiveLimits, ratioGraceBytes: 1024 * 1024 });
});

test('the total uncompressed size is capped', async () => {
  const entries = Array.from({ length: 4 }, (_, index) => ({ path: `f${index}.tex`, body: 'y'.repeat(5000) }));
  await assertRejected('big.tar.gz', tarGzOf(entries), 'too-large', { ...defaultArchiveLimits, maxTotalBytes: 10_000 });
});

test('a corrupt gzip stream is a typed error', async () => {
  const good = tarGzOf(paperEntries);
  await assertRejected('truncated.tar.gz', good.subarray(0, Math.floor(good.length / 2)), 'corrupt');
  await assertRejected('garbage.tar.gz', Buffer.from('this is not gzip at all'), 'corrupt');
});

test('a gzip that holds no tar, or binary garbage, is not an archive', async () => {
  await assertRejected('text.tar.gz', gzipSync('just some text'), 'not-an-archive');
  await assertRejected('binary.gz', gzipSync(Buffer.from([1, 0, 2, 0, 3, 0, 255])), 'not-an-archive');
  await assertRejected('empty.gz', gzipSync(Buffer.alloc(0)), 'not-an-archive');
});

test('a tar with a broken header block is corrupt', async () => {
  const tar = tarOf([{ path: 'a.tex', body: 'x' }, { path: 'b.tex', body: 'y' }]);
  tar.fill(0x41, 1024, 1024 + 300); // overwrite the second header's name and checksum fields
  await assertRejected('broken.tar.gz', gzipSync(tar), 'corrupt');
});

test('a missing archive is unreadable, not a crash', async () => {
  const dir = workspace();
  const result = await extractArchive(path.join(dir, 'missing.tar.gz'), path.join(dir, 'out'));
  assert.equal(result.ok, false);
  if (!result.ok) assert.equal(result.reason.kind, 'unreadable');
});

test('extractToCache keys by content and reuses a finished extraction', async () => {
  const dir = workspace();
  const archive = path.join(dir, 'paper.tar.gz');
  writeFileSync(archive, tarGzOf(paperEntries));
  const cache = path.join(dir, 'cache');
  const first = await extractToCache(archive, cache);
  assert.ok(first.ok);
  assert.equal(path.basename(first.value.root), first.value.archiveHash);
  writeFileSync(path.join(first.value.root, 'paper/main.tex'), 'marker');
  const second = await extractToCache(archive, cache);
  assert.ok(second.ok);
  assert.equal(readFileSync(path.join(second.value.root, 'paper/main.tex'), 'utf8'), 'marker', 'was extracted again');
  assert.deepEqual(second.value.files, first.value.files);
});

test('safeRelativePath normalises harmless paths and refuses escapes', () => {
  assert.deepEqual(safeRelativePath('./a//b/./c.tex'), { ok: true, value: 'a/b/c.tex' });
  assert.equal(safeRelativePath('a\\..\\..\\b').ok, false);
  assert.equal(safeRelativePath('a\0b').ok, false);
});
