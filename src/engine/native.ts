// The one place native modules are required. Each loads on first use, so an engine that
// only parses LaTeX never maps onnxruntime or hnswlib into memory.
import { createRequire } from 'node:module';

const nodeRequire = createRequire(__filename);
const loaded = new Set<string>();

export type NativeModuleName = 'onnxruntime-node' | 'hnswlib-node';

export function loadNative<T>(name: NativeModuleName): T {
  const module = nodeRequire(name) as T;
  loaded.add(name);
  return module;
}

export function loadedNativeModules(): string[] {
  return [...loaded].sort();
}
