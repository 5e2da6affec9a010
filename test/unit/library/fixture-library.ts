// The fixture library of test/fixtures/library, copied to a temporary folder with its e-print
// archives (and, on request, hostile ones) made at run time.
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { gzipSync } from 'node:zlib';
import { repoRoot } from '../../helpers/paths';
import { tarGzOf, type RawEntry } from './tar-fixture';

const fixtures = path.join(repoRoot, 'test', 'fixtures', 'library');

/** Tar entries for every file under `dir`, with paths relative to it. */
function entriesOf(dir: string, prefix = ''): RawEntry[] {
  return readdirSync(dir).sort().flatMap((name) => {
    const full = path.join(dir, name);
    if (statSync(full).isDirectory()) return entriesOf(full, `${prefix}${name}/`);
    return [{ path: `${prefix}${name}`, body: readFileSync(full) }];
  });
}

/** The arXiv-style e-prints of the fixture: a gzipped tar, and one gzipped .tex as arXiv serves one-file papers. */
export const eprintBytes = {
  '2101.00001': () => tarGzOf(entriesOf(path.join(fixtures, 'eprints', '2101.00001'))),
  'hep-th/0301001': () => gzipSync(readFileSync(path.join(fixtures, 'eprints', 'hep-th_0301001', 'hep-th_0301001.tex'))),
};

export const hostileArchives: Record<string, Buffer> = {
  'hostile-traversal.tar.gz': tarGzOf([{ path: '../../escaped.tex', body: '\\documentclass{article}' }]),
  'hostile-absolute.tgz': tarGzOf([{ path: '/tmp/formula-lens-escaped.tex', body: '\\documentclass{article}' }]),
  'hostile-bomb.tar.gz': tarGzOf([{ path: 'zeros.tex', body: Buffer.alloc(8 * 1024 * 1024) }]),
  'hostile-corrupt.tar.gz': Buffer.from('not gzip at all'),
};

export interface FixtureLibrary {
  /** The library folder (copy of bib-folder). */
  dir: string;
  /** A cache folder for the planner. */
  cacheDir: string;
  remove(): void;
}

/**
 * A fresh copy of the fixture library. With `archives`, the two e-prints are added as
 * `2101.00001.tar.gz` and `hep-th_0301001.gz`; with `hostile`, the hostile archives too.
 */
export function makeFixtureLibrary(options: { archives?: boolean; hostile?: boolean } = {}): FixtureLibrary {
  const base = mkdtempSync(path.join(tmpdir(), 'fl-library-'));
  const dir = path.join(base, 'library');
  cpSync(path.join(fixtures, 'bib-folder'), dir, { recursive: true });
  if (options.archives) {
    writeFileSync(path.join(dir, '2101.00001.tar.gz'), eprintBytes['2101.00001']());
    writeFileSync(path.join(dir, 'hep-th_0301001.gz'), eprintBytes['hep-th/0301001']());
  }
  if (options.hostile) {
    for (const [name, bytes] of Object.entries(hostileArchives)) writeFileSync(path.join(dir, name), bytes);
  }
  return { dir, cacheDir: path.join(base, 'cache'), remove: () => rmSync(base, { recursive: true, force: true }) };
}
