import { createHash } from 'node:crypto';
import { open, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from './atomic-writer.js';
import { VERSION } from '../version.js';
import type { Tensor } from '@tensorflow/tfjs-core';
import type { SymbolicTensor } from '@tensorflow/tfjs-layers';
import { tf, tfLayers } from '../model/backend.js';
import { encodeFloat16 } from '../model/float16.js';
import { outputActivation, type ModelMetadata } from '../model/metadata.js';
import { MODEL_JSON, WEIGHTS_BIN, readModelJson, type ModelJson, type WeightSpec } from './model-json.js';
import type { ModelParams } from '../model/params.js';
import { checkFiniteWeights, checkWeightBytes, checkWeightsHash, concatToArrayBuffer, decodeWeights, weightLayout, type ModelFiles } from '../model/weight-data.js';

export { MODEL_JSON, WEIGHTS_BIN, parseModelJson, readModelJson, readModelJsonFile, type ModelJson, type WeightSpec } from './model-json.js';

/** How weights are stored in weights.bin: tfjs weight-spec quantization. */
export type WeightQuantization = 'float32' | 'float16' | 'uint8';

const EMBEDDING = 'embedding';
const OUTPUT = 'output';

/**
 * The Keras topology the weights belong to, so that the folder loads with `tf.loadLayersModel` (also in a
 * browser): ids [batch, len] int32 padded with 0 -> Embedding -> GlobalAveragePooling1D, times
 * `scale` = padded length / real length (tfjs's pooling ignores masks; row 0 of the embedding is zero, so
 * this is the exact mean over real ids) -> Dense softmax (sigmoid for a multi-label model). The topology is built at a tiny vocabulary and
 * the size patched in, to avoid allocating a full embedding table just to describe it.
 */
function topology(buckets: number, dim: number, numLabels: number, activation: 'softmax' | 'sigmoid'): { topology: object; weightNames: { embedding: string; kernel: string; bias: string } } {
  const tfl = tfLayers();
  const ids = tfl.input({ shape: [null], dtype: 'int32', name: 'ids' });
  const scale = tfl.input({ shape: [1], name: 'scale' });
  const emb = tfl.layers.embedding({ inputDim: 2, outputDim: dim, name: EMBEDDING, embeddingsInitializer: 'zeros' }).apply(ids) as SymbolicTensor;
  const mean = tfl.layers.globalAveragePooling1d({ name: 'mean' }).apply(emb) as SymbolicTensor;
  const scaled = tfl.layers.multiply({ name: 'unpad' }).apply([mean, scale]) as SymbolicTensor;
  const probs = tfl.layers.dense({ units: numLabels, activation, name: OUTPUT, kernelInitializer: 'zeros' }).apply(scaled) as SymbolicTensor;
  const model = tfl.model({ inputs: [ids, scale], outputs: probs, name: 'topicmix' });
  const json = model.toJSON(undefined, false) as { config: { layers: { name: string; config: { input_dim?: number } }[] } };
  for (const layer of json.config.layers) if (layer.name === EMBEDDING) layer.config.input_dim = buckets;
  const names = model.weights.map((w) => w.originalName);
  model.dispose();
  const find = (suffix: string): string => {
    const n = names.find((x) => x.endsWith(suffix));
    if (!n) throw new Error(`internal: no weight named *${suffix}`);
    return n;
  };
  return { topology: json, weightNames: { embedding: find(`${EMBEDDING}/embeddings`), kernel: find(`${OUTPUT}/kernel`), bias: find(`${OUTPUT}/bias`) } };
}

function encode(name: string, shape: number[], values: Float32Array, q: WeightQuantization): { spec: WeightSpec; bytes: Uint8Array } {
  if (q === 'float16') {
    const half = encodeFloat16(values);
    return { spec: { name, shape, dtype: 'float32', quantization: { dtype: 'float16' } }, bytes: new Uint8Array(half.buffer) };
  }
  if (q === 'uint8') {
    // The range includes 0 and min is nudged so that 0 is exactly a code: the padding row 0 then decodes to
    // exact zeros, and tf.loadLayersModel on padded input gives the unpadded probabilities.
    let lo = 0;
    let hi = 0;
    for (let i = 0; i < values.length; i++) {
      const v = values[i]!;
      if (v < lo) lo = v;
      else if (v > hi) hi = v;
    }
    const scale = hi > lo ? (hi - lo) / 255 : 1;
    const min = -Math.round(-lo / scale) * scale;
    const inv = 1 / scale;
    const out = new Uint8Array(values.length);
    // round half up; the clamped view keeps codes in 0..255 (a plain Uint8Array store would wrap)
    const clamped = new Uint8ClampedArray(out.buffer);
    for (let i = 0; i < values.length; i++) clamped[i] = Math.floor((values[i]! - min) * inv + 0.5);
    return { spec: { name, shape, dtype: 'float32', quantization: { dtype: 'uint8', min, scale } }, bytes: out };
  }
  return { spec: { name, shape, dtype: 'float32' }, bytes: new Uint8Array(values.buffer, values.byteOffset, values.byteLength) };
}

function sha256(buffers: readonly Uint8Array[]): string {
  const h = createHash('sha256');
  for (const b of buffers) h.update(b);
  return `sha256:${h.digest('hex')}`;
}

/**
 * Writes model.json + weights.bin (standard tfjs layers-model layout), each atomically. model.json records
 * the sha256 of weights.bin (`weightsSha256`), which every load checks.
 */
export async function writeModelDir(dir: string, params: ModelParams, meta: ModelMetadata, quantization: WeightQuantization = 'float32'): Promise<{ modelJson: ModelJson; weightBytes: number }> {
  const { buckets, dim, numLabels } = params;
  for (const [name, v] of [
    ['embedding', params.E],
    ['kernel', params.W],
    ['bias', params.b],
  ] as const) {
    const bad = v.findIndex((x) => !Number.isFinite(x));
    if (bad >= 0) throw new Error(`model: refusing to write ${join(dir, WEIGHTS_BIN)}: the ${name} has a non-finite value at index ${bad} (training diverged; lower the learning rate)`);
  }
  if ((params.output ?? 'softmax') !== outputActivation(meta)) throw new Error(`model: internal: ${params.output ?? 'softmax'} weights with metadata of a ${outputActivation(meta)} model`);
  const { topology: modelTopology, weightNames } = topology(buckets, dim, numLabels, outputActivation(meta));
  const parts = [
    encode(weightNames.embedding, [buckets, dim], params.E, quantization),
    encode(weightNames.kernel, [dim, numLabels], params.W, quantization),
    // the bias is tiny and sensitive: always float32
    encode(weightNames.bias, [numLabels], params.b, 'float32'),
  ];
  const total = parts.reduce((a, p) => a + p.bytes.byteLength, 0);
  const data = new Uint8Array(total);
  let off = 0;
  for (const p of parts) {
    data.set(p.bytes, off);
    off += p.bytes.byteLength;
  }
  const modelJson: ModelJson = {
    format: 'layers-model',
    generatedBy: `TensorFlow.js tfjs-layers v${tfLayers().version_layers}`,
    convertedBy: `topicmix v${VERSION}`,
    modelTopology,
    weightsManifest: [{ paths: [WEIGHTS_BIN], weights: parts.map((p) => p.spec) }],
    userDefinedMetadata: { topicmix: { ...meta, weightsSha256: sha256([data]) } },
  };
  await writeFileAtomic(join(dir, WEIGHTS_BIN), data);
  await writeFileAtomic(join(dir, MODEL_JSON), JSON.stringify(modelJson, null, 1) + '\n');
  return { modelJson, weightBytes: total };
}

export type { ModelFiles } from '../model/weight-data.js';

/** Reads and checks a model folder: clear errors for a missing/unreadable folder, bad JSON, weights that do not match. */
/** With `shared`, the weights are read into a SharedArrayBuffer (worker threads then share the bytes). */
export async function readModelDir(dir: string, options: { shared?: boolean } = {}): Promise<ModelFiles> {
  const { modelJson, meta, jsonPath } = await readModelJson(dir);
  const { specs, paths } = weightLayout(modelJson, jsonPath);
  const weightsPath = join(dir, paths.join('+'));
  let weightData: ArrayBuffer | SharedArrayBuffer;
  let buffers: Uint8Array[];
  if (options.shared) {
    weightData = await readShared(dir, paths, specs, jsonPath);
    buffers = [new Uint8Array(weightData)];
  } else {
    buffers = [];
    for (const p of paths) {
      try {
        buffers.push(await readFile(join(dir, p)));
      } catch (err) {
        throw new Error(`model: cannot read ${join(dir, p)}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
      }
    }
    const got = buffers.reduce((a, b) => a + b.byteLength, 0);
    checkWeightBytes(got, specs, weightsPath, jsonPath);
    weightData = concatToArrayBuffer(buffers, got);
  }
  const weightsVerified = checkWeightsHash(sha256(buffers), meta, weightsPath, jsonPath);
  checkFiniteWeights(specs, weightData, weightsPath);
  return { dir, modelJson, meta, specs, weightData, weightsVerified };
}

/** The weight shards, read straight into one SharedArrayBuffer (worker threads then share the bytes). */
async function readShared(dir: string, paths: readonly string[], specs: readonly WeightSpec[], jsonPath: string): Promise<SharedArrayBuffer> {
  const sizes: number[] = [];
  for (const p of paths) {
    try {
      sizes.push((await stat(join(dir, p))).size);
    } catch (err) {
      throw new Error(`model: cannot read ${join(dir, p)}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
    }
  }
  const total = sizes.reduce((a, b) => a + b, 0);
  checkWeightBytes(total, specs, join(dir, paths.join('+')), jsonPath);
  const data = new SharedArrayBuffer(total);
  let off = 0;
  for (const [i, p] of paths.entries()) {
    const fh = await open(join(dir, p), 'r');
    try {
      let done = 0;
      while (done < sizes[i]!) {
        const { bytesRead } = await fh.read(new Uint8Array(data, off + done, sizes[i]! - done), 0, sizes[i]! - done, done);
        if (bytesRead === 0) throw new Error(`model: ${join(dir, p)} shrank while being read`);
        done += bytesRead;
      }
    } finally {
      await fh.close();
    }
    off += sizes[i]!;
  }
  return data;
}

/** Tensors for the weights, in manifest order (see weight-data.ts). */
export function decodeWeightTensors(files: ModelFiles): Tensor[] {
  return decodeWeights(tf, files);
}

/** The weights of a model folder as plain arrays (dequantized). */
export async function readModelParams(dir: string): Promise<{ params: ModelParams; meta: ModelMetadata }> {
  const files = await readModelDir(dir);
  const [E, W, b] = decodeWeightTensors(files);
  if (!E || !W || !b) throw new Error(`model: ${dir}: expected 3 weights`);
  const params: ModelParams = {
    buckets: E.shape[0]!,
    dim: E.shape[1]!,
    numLabels: b.shape[0]!,
    E: E.dataSync() as Float32Array,
    W: W.dataSync() as Float32Array,
    b: b.dataSync() as Float32Array,
    ...(outputActivation(files.meta) === 'sigmoid' && { output: 'sigmoid' as const }),
  };
  E.dispose();
  W.dispose();
  b.dispose();
  return { params, meta: files.meta };
}
