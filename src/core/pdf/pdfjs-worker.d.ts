// pdf.js ships no types for its worker module; read.ts only hands its exports back to pdf.js.
declare module 'pdfjs-dist/legacy/build/pdf.worker.mjs' {
  export const WorkerMessageHandler: unknown;
}
