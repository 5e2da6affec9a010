// The HNSW graph over the unit-norm embeddings (hnswlib-node, inner product). Saved as one file per
// committed generation, written under a temporary name, fsynced and renamed, and verified by sha256
// before loading: hnswlib trusts the bytes it reads, so a damaged file must never reach it.
import { createHash } from 'node:crypto';
import { closeSync, openSync, readSync, renameSync } from 'node:fs';
import * as path from 'node:path';
import type { HierarchicalNSW } from 'hnswlib-node';
import { requireNative } from '../native';
import { syncDirectory, syncFile } from './generations';

export interface GraphParameters {
  dimensions: number;
  m: number;
  efConstruction: number;
}

/** A deterministic graph: the same additions in the same order give the same file. */
const randomSeed = 100;

export class VectorGraph {
  private constructor(private readonly hnsw: HierarchicalNSW) {}

  static create(parameters: GraphParameters, capacity: number): VectorGraph {
    const { HierarchicalNSW } = requireNative<typeof import('hnswlib-node')>('hnswlib-node');
    const hnsw = new HierarchicalNSW('ip', parameters.dimensions);
    hnsw.initIndex({
      maxElements: Math.max(capacity, 16),
      m: parameters.m,
      efConstruction: parameters.efConstruction,
      randomSeed,
    });
    return new VectorGraph(hnsw);
  }

  /** Loads a saved graph after checking its sha256; throws when the file is missing, damaged or unreadable. */
  static load(parameters: GraphParameters, file: string, expectedSha256: string): VectorGraph {
    const actual = sha256OfFile(file);
    if (actual !== expectedSha256) throw new Error('checksum mismatch: the file is damaged or truncated');
    const { HierarchicalNSW } = requireNative<typeof import('hnswlib-node')>('hnswlib-node');
    const hnsw = new HierarchicalNSW('ip', parameters.dimensions);
    hnsw.readIndexSync(file);
    if (hnsw.getNumDimensions() !== parameters.dimensions) throw new Error('vectors file has other dimensions');
    return new VectorGraph(hnsw);
  }

  /** Points in the graph, including those marked deleted. */
  get points(): number {
    return this.hnsw.getCurrentCount();
  }

  add(label: number, embedding: Float32Array): void {
    if (this.hnsw.getCurrentCount() >= this.hnsw.getMaxElements()) {
      this.hnsw.resizeIndex(Math.ceil(this.hnsw.getMaxElements() * 1.5) + 16);
    }
    this.hnsw.addPoint(Array.from(embedding), label);
  }

  markDeleted(label: number): void {
    this.hnsw.markDelete(label);
  }

  /** The `count` nearest labels to `query` by inner product, best first, with `ef` ≥ count. */
  search(query: Float32Array, count: number, ef: number, accept?: (label: number) => boolean): { label: number; score: number }[] {
    const available = this.hnsw.getCurrentCount();
    if (available === 0 || count <= 0) return [];
    this.hnsw.setEf(Math.max(ef, count));
    const wanted = Math.min(count, available);
    const result = accept ? this.hnsw.searchKnn(Array.from(query), wanted, accept) : this.hnsw.searchKnn(Array.from(query), wanted);
    // hnswlib's inner-product distance is 1 - <a, b>; results come nearest first.
    return result.neighbors.map((label, index) => ({ label, score: 1 - result.distances[index] }));
  }

  /** Writes the graph to `file` atomically (temporary file, fsync, rename); returns its sha256. */
  save(file: string): string {
    const temporary = `${file}.tmp`;
    this.hnsw.writeIndexSync(temporary);
    syncFile(temporary);
    const sha256 = sha256OfFile(temporary);
    renameSync(temporary, file);
    syncDirectory(path.dirname(file));
    return sha256;
  }
}

export function sha256OfFile(file: string): string {
  const hash = createHash('sha256');
  const descriptor = openSync(file, 'r');
  try {
    const buffer = Buffer.allocUnsafe(1 << 20);
    for (let read = readSync(descriptor, buffer); read > 0; read = readSync(descriptor, buffer)) {
      hash.update(buffer.subarray(0, read));
    }
  } finally {
    closeSync(descriptor);
  }
  return hash.digest('hex');
}
