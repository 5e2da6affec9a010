// One of the PDF bench's parallel readers: `node --import tsx bench/pdf-reader.ts <pdf>…` reads the files
// (detection + crops) after loading pdf.js and prints {"pages", "seconds", "cpuSeconds"} of the reading alone.
import { readPdf } from '../src/core/pdf';

void (async () => {
  const files = process.argv.slice(2);
  if (files[0]) await readPdf(files[0], { crops: false }); // load pdf.js and resvg outside the timing
  const cpu = process.cpuUsage();
  const started = performance.now();
  let pages = 0;
  for (const file of files) {
    const read = await readPdf(file);
    if (read.ok) pages += read.value.pagesRead;
  }
  const used = process.cpuUsage(cpu);
  console.log(JSON.stringify({ pages, seconds: (performance.now() - started) / 1000, cpuSeconds: (used.user + used.system) / 1e6 }));
})();
