// The minified builds of pdf.js (what the vsix ships) come without types; read.ts declares the slice it uses.
declare module 'pdfjs-dist/legacy/build/pdf.min.mjs';
declare module 'pdfjs-dist/legacy/build/pdf.worker.min.mjs';
