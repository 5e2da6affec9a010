// A local HTTP server on 127.0.0.1 stands in for arXiv (no internet here, and tests must not use it).
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { after, before, test } from 'node:test';
import { gunzipSync } from 'node:zlib';
import { ArxivFetcher, arxivUserAgent, type Clock } from '../../../src/core/library/arxiv';
import { planLibrary } from '../../../src/core/library/plan';
import { tarOf } from './tar-fixture';
import { eprintBytes, makeFixtureLibrary, type FixtureLibrary } from './fixture-library';

interface Served {
  status?: number;
  type?: string;
  body: Buffer;
}

/** What the fake arXiv serves under /e-print/<id>. */
const eprints: Record<string, Served> = {
  '2101.00001': { type: 'application/x-eprint-tar', body: eprintBytes['2101.00001']() },
  'hep-th/0301001': { type: 'application/x-eprint', body: eprintBytes['hep-th/0301001']() },
  '2201.09999': { type: 'application/pdf', body: Buffer.from('%PDF-1.5\n...') },
  // A transport that already undid the gzip: a bare tar and a bare .tex.
  '2301.00001': { type: 'application/x-tar', body: tarOf([{ path: 'main.tex', body: '\\documentclass{article}' }]) },
  '2301.00002': { type: 'text/x-tex', body: Buffer.from('\\documentclass{article}') },
  '2301.00003': { type: 'application/octet-stream', body: Buffer.from([0, 1, 2, 3]) },
  '2301.00004': { status: 503, body: Buffer.from('busy') },
};

let server: Server;
let baseUrl: string;
const requests: { url: string; userAgent: string | undefined; at: number }[] = [];
/** A fake clock: sleeping advances it instantly. */
let now = 1_000_000;
const sleeps: number[] = [];
const clock: Clock = {
  now: () => now,
  sleep: async (ms) => {
    sleeps.push(ms);
    now += ms;
  },
};

before(async () => {
  server = createServer((request, response) => {
    const id = decodeURIComponent((request.url ?? '').replace(/^\/e-print\//, ''));
    requests.push({ url: request.url ?? '', userAgent: request.headers['user-agent'], at: now });
    const served = eprints[id];
    if (!served) {
      response.writeHead(404).end('not found');
      return;
    }
    response.writeHead(served.status ?? 200, { 'Content-Type': served.type ?? 'text/plain' }).end(served.body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/e-print/`;
});
after(() => server.close());

const libraries: FixtureLibrary[] = [];
after(() => libraries.forEach((library) => library.remove()));

function reset(): void {
  requests.length = 0;
  sleeps.length = 0;
}

test('with network allowed, missing e-prints are downloaded politely and indexed', async () => {
  reset();
  const library = makeFixtureLibrary();
  libraries.push(library);
  const plan = await planLibrary([library.dir], { cacheDir: library.cacheDir, allowNetwork: true, arxiv: { baseUrl, clock } });
  const status = (id: string) => plan.report.find((entry) => entry.id === id);
  assert.equal(status('bib:jones2021')!.status, 'ready');
  assert.equal(status('bib:jones2021')!.detail, 'arXiv e-print 2101.00001');
  assert.equal(status('bib:witten2003')!.status, 'ready');
  assert.equal(status('bib:missing2022')!.status, 'pdf-only');
  assert.match(status('bib:missing2022')!.detail, /only a PDF of 2201\.09999/);
  const jones = plan.papers.find((paper) => paper.id === 'bib:jones2021')!;
  assert.equal(path.basename(jones.source.mainFile), 'ms.tex');

  assert.deepEqual(requests.map((request) => request.url).sort(), ['/e-print/2101.00001', '/e-print/2201.09999', '/e-print/hep-th/0301001']);
  for (const request of requests) assert.equal(request.userAgent, arxivUserAgent);
  assert.match(arxivUserAgent, /^formula-lens\/\d+\.\d+\.\d+ \(/);
  // One request per 3 s: the second and third waited on the clock, and no two requests share a 3 s window.
  assert.deepEqual(sleeps, [3000, 3000]);
  const times = requests.map((request) => request.at);
  for (let index = 1; index < times.length; index++) assert.ok(times[index]! - times[index - 1]! >= 3000);

  reset();
  const again = await planLibrary([library.dir], { cacheDir: library.cacheDir, allowNetwork: true, arxiv: { baseUrl, clock } });
  assert.equal(again.report.find((entry) => entry.id === 'bib:jones2021')!.detail, 'arXiv e-print 2101.00001 (cached)');
  assert.equal(again.report.find((entry) => entry.id === 'bib:missing2022')!.status, 'pdf-only');
  assert.deepEqual(requests, [], 'downloads and PDF-only answers are remembered');
});

test('without network access nothing is requested', async () => {
  reset();
  const library = makeFixtureLibrary();
  libraries.push(library);
  const plan = await planLibrary([library.dir], { cacheDir: library.cacheDir, arxiv: { baseUrl, clock } });
  assert.equal(plan.report.find((entry) => entry.id === 'bib:jones2021')!.status, 'no-source');
  assert.equal(requests.length, 0);
});

test('the fetcher stores what the transport delivered as gzip, and types every failure', async () => {
  reset();
  const library = makeFixtureLibrary();
  libraries.push(library);
  const fetcher = new ArxivFetcher({ cacheDir: library.cacheDir, baseUrl, clock });
  const tar = await fetcher.fetchEprint('2301.00001');
  assert.ok(tar.ok);
  assert.ok(tar.value.file.endsWith('2301.00001.tar.gz'));
  assert.equal(gunzipSync(readFileSync(tar.value.file)).subarray(257, 262).toString(), 'ustar');
  const tex = await fetcher.fetchEprint('2301.00002');
  assert.ok(tex.ok);
  assert.equal(gunzipSync(readFileSync(tex.value.file)).toString(), '\\documentclass{article}');

  const kinds = [];
  for (const id of ['2301.00003', '2301.00004', '2399.99999']) {
    const result = await fetcher.fetchEprint(id);
    kinds.push(result.ok ? 'ok' : result.reason.kind);
  }
  assert.deepEqual(kinds, ['unknown-format', 'http', 'not-found']);
  assert.ok(!existsSync(path.join(library.cacheDir, '2301.00003.gz')));

  const capped = new ArxivFetcher({ cacheDir: library.cacheDir, baseUrl, clock, maxBytes: 100 });
  const tooLarge = await capped.fetchEprint('2101.00001');
  assert.equal(tooLarge.ok ? 'ok' : tooLarge.reason.kind, 'too-large');

  const offline = new ArxivFetcher({ cacheDir: library.cacheDir, baseUrl: 'http://127.0.0.1:9/e-print/', clock });
  const refused = await offline.fetchEprint('2101.00005');
  assert.equal(refused.ok ? 'ok' : refused.reason.kind, 'network');
});
