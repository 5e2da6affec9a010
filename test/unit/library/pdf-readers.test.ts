// The library's PDF readers: worker threads that answer what reading in this thread answers, read several files at
// once, and stop a file that outlasts its budget by ending its thread, after which the next file is read as usual.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { after, test } from 'node:test';
import { readPdfPaper } from '../../../src/core/library/pdf-paper';
import { PdfReaders } from '../../../src/core/library/pdf-readers';
import { readPdf } from '../../../src/core/pdf';
import { repoRoot } from '../../helpers/paths';

const fixture = (name: string) => path.join(repoRoot, 'test', 'fixtures', 'pdf', name);
const scratch = mkdtempSync(path.join(tmpdir(), 'formula-lens-pdf-readers-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

test('a worker reads a PDF as this thread does, two at once', async () => {
  const readers = new PdfReaders({ concurrency: 2 });
  try {
    const [displays, twocolumn] = await Promise.all([readers.read(fixture('displays.pdf')), readers.read(fixture('twocolumn.pdf'))]);
    for (const [reply, name] of [[displays, 'displays.pdf'], [twocolumn, 'twocolumn.pdf']] as const) {
      const here = await readPdfPaper(fixture(name));
      assert.ok(reply.ok && here.ok, name);
      assert.ok(reply.value.formulas.length > 0);
      assert.deepEqual(
        reply.value.formulas.map((formula) => [formula.latex, formula.pdf?.page, Buffer.from(formula.pdf?.crop ?? []).toString('base64')]),
        here.value.formulas.map((formula) => [formula.latex, formula.pdf?.page, Buffer.from(formula.pdf?.crop ?? []).toString('base64')]),
      );
    }
    const encrypted = await readers.read(fixture('encrypted.pdf'));
    assert.equal(!encrypted.ok && encrypted.reason.kind, 'encrypted');
  } finally {
    await readers.close();
  }
});

test('a read that outlasts its budget is stopped with its thread, and the next file is read by a new one', async () => {
  const readers = new PdfReaders({ concurrency: 1, graceMs: 0 });
  try {
    // A budget a fresh thread cannot even start within: only ending the thread answers in time.
    const stopped = await readers.read(fixture('displays.pdf'), { budgetMs: 1 });
    assert.equal(stopped.ok, false);
    assert.equal(!stopped.ok && stopped.reason.kind, 'timeout');
    assert.match(!stopped.ok ? stopped.reason.message : '', /stopped/);
    const next = await readers.read(fixture('displays.pdf'));
    assert.ok(next.ok && next.value.formulas.length > 0);
  } finally {
    await readers.close();
  }
});

test('a cancelled read ends at once', async () => {
  const readers = new PdfReaders({ concurrency: 1 });
  const controller = new AbortController();
  try {
    const reading = readers.read(fixture('twocolumn.pdf'), undefined, controller.signal);
    controller.abort();
    const reply = await reading;
    assert.equal(reply.ok, false);
    assert.match(!reply.ok ? reply.reason.message : '', /cancelled/);
  } finally {
    await readers.close();
  }
});

test('a FIFO named like a PDF is refused, not waited on forever', async () => {
  const fifo = path.join(scratch, 'paper.pdf');
  execFileSync('mkfifo', [fifo]);
  const read = await readPdf(fifo);
  assert.equal(read.ok, false);
  assert.match(!read.ok ? read.reason.message : '', /not a regular file/);
});
