// Run as a separate process by index-library.test.ts, which kills it with SIGKILL mid-way:
// indexes a library with a slow test embedder, one formula per batch, printing each committed batch.
// Arguments: <library folder> <index folder> <cache folder>
import { FormulaIndex } from '../../../src/core/index/store';
import { indexLibrary } from '../../../src/core/library/index-library';
import type { FormulaInput } from '../../../src/core/render';
import { HashingEmbedder, hashingDimensions } from '../search/hashing-embedder';

class SlowEmbedder extends HashingEmbedder {
  override async embed(formulas: FormulaInput[], priority: 'interactive' | 'batch') {
    await new Promise((resolve) => setTimeout(resolve, 100));
    return super.embed(formulas, priority);
  }
}

async function main(): Promise<void> {
  const [library, indexDir, cacheDir] = process.argv.slice(2) as [string, string, string];
  const embedder = new SlowEmbedder();
  const opened = FormulaIndex.open(indexDir, { modelFingerprint: embedder.model.fingerprint, dimensions: hashingDimensions });
  if (!opened.ok) throw new Error(opened.reason.message);
  await indexLibrary([library], opened.value.index, embedder, {
    library: 'main',
    cacheDir,
    batchFormulas: 1,
    onProgress: (progress) => {
      if (progress.phase === 'embedding' && progress.papersDone > 0) process.stdout.write(`committed ${progress.papersDone}\n`);
    },
  });
  opened.value.index.close();
  process.stdout.write('finished\n');
}

void main();
