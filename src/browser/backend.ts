import type * as TfCore from '@tensorflow/tfjs-core';

/** 'js': topicmix's linear kernel (no tfjs is loaded); 'cpu' / 'wasm': that TensorFlow.js backend. */
export type BrowserBackend = 'js' | 'cpu' | 'wasm';

/**
 * Loads tfjs-core and selects a tfjs backend in a browser (only for 'cpu' or 'wasm': the default 'js'
 * kernel needs none, so a page that does not ask for tfjs does not download it). 'wasm' fetches its
 * .wasm files from `wasmPaths` (a URL prefix ending in '/'), or next to the bundle when unset.
 */
export async function useBrowserTfjs(name: 'cpu' | 'wasm', wasmPaths?: string): Promise<typeof TfCore> {
  const tf = await import('@tensorflow/tfjs-core');
  // registers the 'cpu' backend (pure JS, nothing else to serve)
  await import('@tensorflow/tfjs-backend-cpu');
  if (name === 'wasm' && !tf.findBackendFactory('wasm')) {
    const wasm = await import('@tensorflow/tfjs-backend-wasm');
    if (wasmPaths !== undefined) wasm.setWasmPaths(wasmPaths);
  }
  if (!tf.findBackendFactory(name)) throw new Error(`tfjs backend "${String(name)}" is not available (use "js", "cpu" or "wasm")`);
  if (!(await tf.setBackend(name))) throw new Error(`tfjs backend "${name}" could not be initialised`);
  await tf.ready();
  return tf;
}
