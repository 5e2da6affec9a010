// Worker-thread entry of the library's PDF readers (bundled as out/pdf-worker.js; run from source through tsx):
// one PDF at a time, so that the thread can be ended when a file outlasts its budget (pdf-readers.ts).
import { parentPort } from 'node:worker_threads';
import { fail, errorMessage } from '../result';
import { readPdfPaper } from './pdf-paper';
import type { PdfReadJob, PdfReadReply } from './pdf-readers';

const port = parentPort;
if (!port) throw new Error('PDF worker started outside a worker thread');
port.on('message', (job: PdfReadJob) => {
  readPdfPaper(job.file, job.limits).then(
    (reply) => port.postMessage(reply satisfies PdfReadReply),
    (error: unknown) => port.postMessage(fail({ kind: 'unreadable', message: `the PDF reader failed (${errorMessage(error)})` }) satisfies PdfReadReply),
  );
});
