// The one place native (and WebAssembly) modules are required: each is recorded as it loads, so the engine
// can say what it really holds (Show Engine Info). They load on first use: a process that only parses LaTeX
// maps none of them.
import { createRequire } from 'node:module';

const nodeRequire = createRequire(__filename);
const loaded = new Set<string>();

export type NativeModuleName = 'onnxruntime-node' | 'hnswlib-node' | 'node-sqlite3-wasm';

export function requireNative<T>(name: NativeModuleName): T {
  const module = nodeRequire(name) as T;
  loaded.add(name);
  return module;
}

/** Records what a loaded module was set to work on, where the module's name alone does not tell (which onnxruntime sessions). */
export function recordNativeUse(what: string): void {
  loaded.add(what);
}

/** What has loaded in this process so far, sorted (nothing is unloaded: Node cannot unmap a native module). */
export function loadedNativeModules(): string[] {
  return [...loaded].sort();
}
