// onnxruntime-node, set up once for every encoder (it loads lazily: a process that only parses LaTeX never maps it).
import type * as Ort from 'onnxruntime-node';
import { requireNative } from '../native';

/**
 * Environment that turns off onnxruntime's built-in telemetry, read once when its first session is created.
 * Besides sending events and writing outside our folders, that telemetry matches the whole of
 * /proc/self/cmdline against a std::regex whose matcher recurses once per character: a command line of
 * ~30 KB (a long query or --macros value) overflows the 8 MB main-thread stack and ends in SIGSEGV.
 */
export const onnxRuntimeEnvironment = { ORT_DISABLE_TELEMETRY: '1' } as const;

export function loadOnnxRuntime(): typeof Ort {
  Object.assign(process.env, onnxRuntimeEnvironment);
  const ort = requireNative<typeof Ort>('onnxruntime-node');
  // onnxruntime's native logger writes coloured lines to stderr (e.g. for a missing CUDA library);
  // every failure also reaches us as an exception, which we report ourselves.
  ort.env.logLevel = 'fatal';
  return ort;
}
