import * as tf from '@tensorflow/tfjs-core';
// registers the 'cpu' backend (pure JS, nothing else to serve)
import '@tensorflow/tfjs-backend-cpu';

export type BrowserBackend = 'cpu' | 'wasm';

/**
 * Selects the tfjs backend in a browser. 'wasm' loads @tensorflow/tfjs-backend-wasm on first use; its
 * .wasm files are fetched from `wasmPaths` (a URL prefix ending in '/'), or next to the bundle when unset.
 */
export async function useBrowserBackend(name: BrowserBackend, wasmPaths?: string): Promise<BrowserBackend> {
  if (name === 'wasm' && !tf.findBackendFactory('wasm')) {
    const wasm = await import('@tensorflow/tfjs-backend-wasm');
    if (wasmPaths !== undefined) wasm.setWasmPaths(wasmPaths);
  }
  if (!tf.findBackendFactory(name)) throw new Error(`tfjs backend "${String(name)}" is not available (use "cpu" or "wasm")`);
  if (!(await tf.setBackend(name))) throw new Error(`tfjs backend "${name}" could not be initialised`);
  await tf.ready();
  return name;
}

export { tf };
