// Run as a separate process by index-library.test.ts and the index's readers-writer test, which kill it with
// SIGKILL mid-way or read the index meanwhile: indexes a library with a slow test embedder, one formula per
// batch, printing each committed batch.
// Arguments: <library folder> <index folder> <cache folder> [milliseconds per embedding call, default 100]
import { FormulaIndex } from '../../../src/core/index/store';
import { indexLibrary } from '../../../src/core/library/index-library';
import type { FormulaInput } from '../../../src/core/render';
import { HashingEmbedder } from '../search/hashing-embedder';

class SlowEmbedder extends HashingEmbedder {
  constructor(private readonly delayMs: number) {
    super();
  }

  override async embed(formulas: FormulaInput[], priority: 'interactive' | 'batch') {
    await new Promise((resolve) => setTimeout(resolve, this.delayMs));
    return super.embed(formulas, priority);
  }
}

async function main(): Promise<void> {
  const [library, indexDir, cacheDir, delayMs = '100'] = process.argv.slice(2) as [string, string, string, string?];
  const embedder = new SlowEmbedder(Number(delayMs));
  const opened = FormulaIndex.open(indexDir);
  if (!opened.ok) throw new Error(opened.reason.message);
  await indexLibrary([library], opened.value.index, embedder, {
    library: 'main',
    cacheDir,
    batchFormulas: 1,
    onProgress: (progress) => {
      if (progress.phase === 'indexing' && progress.papersDone > 0) process.stdout.write(`committed ${progress.papersDone}\n`);
    },
  });
  opened.value.index.close();
  process.stdout.write('finished\n');
}

void main();
