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
  /** True when model.json records `weightsSha256` and the weight bytes match it (older models record none). */
  weightsVerified: boolean;
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

/**
 * Throws unless the weight bytes hash to what model.json records. `actual` is `sha256:<hex>` of the
 * shards in manifest order; returns false (unverified, not an error) when model.json records no hash.
 */
export function checkWeightsHash(actual: string, meta: ModelMetadata, weightsPath: string, jsonPath: string): boolean {
  const want = meta.weightsSha256;
  if (want === undefined) return false;
  if (actual !== want) {
    throw new Error(`model: ${weightsPath} is corrupted or belongs to another model: its sha256 is ${actual.slice(7, 19)}… but ${jsonPath} records ${want.slice(7, 19)}… (weightsSha256)`);
  }
  return true;
}

/** Index of the first NaN or infinite value in float32 `v`, or -1. */
function firstNonFinite32(v: Float32Array): number {
  for (let i = 0; i < v.length; i++) if (v[i]! - v[i]! !== 0) return i;
  return -1;
}

/**
 * Throws unless every weight is finite once dequantized, naming the weight and the first bad index: one
 * pass over the stored values (float16 by its exponent bits, uint8 by its min and scale), no tensor copy.
 */
export function checkFiniteWeights(specs: readonly WeightSpec[], weightData: ArrayBufferLike, weightsPath: string): void {
  let off = 0;
  for (const spec of specs) {
    const bytes = specBytes(spec);
    const q = spec.quantization;
    let bad = -1;
    if (spec.dtype === 'float32' && !q) {
      bad = firstNonFinite32(off % 4 === 0 ? new Float32Array(weightData, off, bytes / 4) : new Float32Array(weightData.slice(off, off + bytes)));
    } else if (q?.dtype === 'float16') {
      const h = off % 2 === 0 ? new Uint16Array(weightData, off, bytes / 2) : new Uint16Array(weightData.slice(off, off + bytes));
      for (let i = 0; i < h.length; i++) {
        if ((h[i]! & 0x7c00) === 0x7c00) {
          bad = i;
          break;
        }
      }
    } else if (q?.dtype === 'uint8') {
      const { min = 0, scale = 1 } = q;
      if (!Number.isFinite(min) || !Number.isFinite(scale) || !Number.isFinite(min + 255 * scale)) {
        throw new Error(`model: ${weightsPath}: weight ${spec.name} has a non-finite uint8 quantization (min ${min}, scale ${scale}) in model.json`);
      }
    }
    if (bad >= 0) throw new Error(`model: ${weightsPath}: weight ${spec.name} [${spec.shape.join('x')}] has a non-finite value (NaN or infinity) at flat index ${bad}: the file is corrupted`);
    off += bytes;
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
