// Runs an exported symbolic encoder in onnxruntime-node on raw int64 token ids, for symbolic.py's parity check.
// Usage: node training/symbolic_parity.mjs <model.onnx> <input.i64> <count> <length> <output.f32>
import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';

const ort = createRequire(import.meta.url)('onnxruntime-node');
const [modelPath, inputPath, countText, lengthText, outputPath] = process.argv.slice(2);
const bytes = readFileSync(inputPath);
const input = new BigInt64Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
const session = await ort.InferenceSession.create(modelPath, { intraOpNumThreads: 1 });
const { embeddings } = await session.run({ token_ids: new ort.Tensor('int64', input, [Number(countText), Number(lengthText)]) });
writeFileSync(outputPath, Buffer.from(embeddings.data.buffer, embeddings.data.byteOffset, embeddings.data.byteLength));
