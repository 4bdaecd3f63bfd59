import type * as TfCore from '@tensorflow/tfjs-core';
import type { Tensor } from '@tensorflow/tfjs-core';
import type { ModelMetadata } from './metadata.js';
import type { ModelJson, WeightSpec } from './model-json-parse.js';

// The pure half of model-files.ts (no Node modules, tfjs passed in): weights.bin laid out by the
// manifest, checked and decoded from an ArrayBuffer, wherever its bytes came from (disk or fetch).

/** A model's files in memory. `dir` names where they came from (a folder or a URL) in errors. */
export interface ModelFiles {
  dir: string;
  modelJson: ModelJson;
  meta: ModelMetadata;
  specs: WeightSpec[];
  /** weights.bin's bytes; a SharedArrayBuffer when worker threads share one copy */
  weightData: ArrayBuffer | SharedArrayBuffer;
}

const BYTES: Record<string, number> = { float32: 4, int32: 4, float16: 2, uint16: 2, uint8: 1, bool: 1 };

/** Bytes one weight takes in weights.bin (after quantization). */
export function specBytes(spec: WeightSpec): number {
  const n = spec.shape.reduce((a, b) => a * b, 1);
  const dtype = spec.quantization?.dtype ?? spec.dtype;
  const per = BYTES[dtype];
  if (per === undefined) throw new Error(`unsupported weight dtype ${dtype} for ${spec.name}`);
  return n * per;
}

/** The weight specs and shard paths of a model.json, in manifest order. */
export function weightLayout(modelJson: ModelJson, jsonPath: string): { specs: WeightSpec[]; paths: string[] } {
  const manifest = modelJson.weightsManifest;
  if (!Array.isArray(manifest) || manifest.length === 0) throw new Error(`model: ${jsonPath}: weightsManifest is missing`);
  return { specs: manifest.flatMap((g) => g.weights), paths: manifest.flatMap((g) => g.paths) };
}

/** Throws unless the shards' `got` bytes are what the specs declare; `weightsPath` and `jsonPath` are named in the error. */
export function checkWeightBytes(got: number, specs: readonly WeightSpec[], weightsPath: string, jsonPath: string): void {
  const want = specs.reduce((a, s) => a + specBytes(s), 0);
  if (got !== want) {
    throw new Error(
      `model: ${weightsPath} has ${got} bytes but ${jsonPath} declares weights of ${want} bytes (${specs.map((s) => `${s.name} [${s.shape.join('x')}]`).join(', ')}): the weights do not belong to this model.json`,
    );
  }
}

/** One ArrayBuffer holding all shards; a single large file's own buffer is used as is (no copy of the weights). */
export function concatToArrayBuffer(buffers: readonly Uint8Array[], total: number): ArrayBuffer {
  const only = buffers[0];
  if (buffers.length === 1 && only && only.byteOffset === 0 && only.buffer.byteLength === total && only.buffer instanceof ArrayBuffer) return only.buffer;
  const out = new Uint8Array(total);
  let off = 0;
  for (const b of buffers) {
    out.set(b, off);
    off += b.byteLength;
  }
  return out.buffer;
}

/**
 * Tensors for the weights, in manifest order. Plain float32 weights are handed to tfjs as views of the
 * file's buffer, so the only copy is the backend's own (tf.io.decodeWeights would slice a copy first);
 * quantized weights go through tfjs's dequantization.
 */
export function decodeWeights(tf: typeof TfCore, files: ModelFiles): Tensor[] {
  const out: Tensor[] = [];
  let off = 0;
  for (const spec of files.specs) {
    const bytes = specBytes(spec);
    if (spec.dtype === 'float32' && !spec.quantization && off % 4 === 0) {
      out.push(tf.tensor(new Float32Array(files.weightData, off, bytes / 4), spec.shape, 'float32'));
    } else {
      const t = tf.io.decodeWeights(new Uint8Array(files.weightData, off, bytes).slice().buffer, [spec]);
      out.push(t[spec.name]!);
    }
    off += bytes;
  }
  return out;
}
