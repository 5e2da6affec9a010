// Runs an exported encoder in onnxruntime-node on raw float32 bitmaps, for export.py's parity check.
// Usage: node training/onnx_parity.mjs <model.onnx> <input.f32> <count> <output.f32>
import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';

const ort = createRequire(import.meta.url)('onnxruntime-node');
const [modelPath, inputPath, countText, outputPath] = process.argv.slice(2);
const count = Number(countText);
const bytes = readFileSync(inputPath);
const input = new Float32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4);
const session = await ort.InferenceSession.create(modelPath, { intraOpNumThreads: 1 });
const { embeddings } = await session.run({ bitmaps: new ort.Tensor('float32', input, [count, 1, 32, 333]) });
writeFileSync(outputPath, Buffer.from(embeddings.data.buffer, embeddings.data.byteOffset, embeddings.data.byteLength));
