import { createRequire } from 'node:module';
import type * as TfCore from '@tensorflow/tfjs-core';
import type * as TfLayers from '@tensorflow/tfjs-layers';

// Loaded with require: importing tfjs's large CommonJS bundles from ESM runs Node's CJS export
// scanner over them, which costs several hundred milliseconds at every start. Serving needs only
// tfjs-core and a backend; the union package (layers, converter, data, webgl) is not loaded.
const require = createRequire(import.meta.url);
let core: typeof TfCore | undefined;
// tfjs-core takes ~0.2 s to load: `import('topicmix')` does not pay for it, the first model call does.
const tf = new Proxy({} as typeof TfCore, {
  get: (_, key) => Reflect.get((core ??= require('@tensorflow/tfjs-core') as typeof TfCore), key),
});

/** tfjs-layers, loaded on first use (only training writes a layers topology). */
export function tfLayers(): typeof TfLayers {
  return require('@tensorflow/tfjs-layers') as typeof TfLayers;
}

/** The TensorFlow.js backends: the reference implementation of the model, selectable with `--backend`. */
export type TfjsBackendName = 'tensorflow' | 'wasm' | 'cpu';
/** What serves a classifier: `js` is topicmix's own linear kernel (linear-scorer.ts, no tfjs), else a tfjs backend. */
export type BackendName = 'js' | TfjsBackendName;
/** `auto` serves with the `js` kernel; a tfjs backend is used only when asked for. */
export type BackendPreference = BackendName | 'auto';
/** Whether a preference serves with the js kernel (no tfjs backend to start). */
export function servesWithJs(preference: BackendPreference | undefined): preference is 'auto' | 'js' | undefined {
  return preference === undefined || preference === 'auto' || preference === 'js';
}
/** For useBackend: `auto` is the first tfjs backend that starts, in the order tensorflow, wasm, cpu. */
export type TfjsBackendPreference = TfjsBackendName | 'auto';

let active: Promise<TfjsBackendName> | undefined;
let activePreference: TfjsBackendPreference | undefined;

/**
 * Picks the tfjs backend: the native `@tensorflow/tfjs-node` when it is installed (optional
 * dependency; it needs libtensorflow, which its install script downloads), else the wasm backend
 * (its .wasm ships in the npm package), else the pure-JS cpu backend. Everything after this call
 * is the same code whatever the backend.
 */
export function useBackend(preference: TfjsBackendPreference = 'auto'): Promise<TfjsBackendName> {
  if (active && preference === activePreference) return active;
  activePreference = preference;
  active = select(preference);
  return active;
}

async function select(preference: TfjsBackendPreference): Promise<TfjsBackendName> {
  // tfjs prints a "you are running TensorFlow.js in Node.js" banner and other warnings unless PROD is set
  tf.env().set('PROD', true);
  const order: TfjsBackendName[] = preference === 'auto' ? ['tensorflow', 'wasm', 'cpu'] : [preference];
  const failures: string[] = [];
  for (const name of order) {
    try {
      await register(name);
      if (await tf.setBackend(name)) {
        await tf.ready();
        return name;
      }
      failures.push(`${name}: could not be initialised`);
    } catch (err) {
      failures.push(`${name}: ${(err as Error).message.split('\n')[0]}`);
    }
  }
  throw new Error(`no usable TensorFlow.js backend (${failures.join('; ')})`);
}

async function register(name: TfjsBackendName): Promise<void> {
  if (tf.findBackendFactory(name)) return;
  if (name === 'tensorflow') {
    require('@tensorflow/tfjs-node');
  } else if (name === 'wasm') {
    require('@tensorflow/tfjs-backend-wasm');
  } else {
    require('@tensorflow/tfjs-backend-cpu');
  }
  if (!tf.findBackendFactory(name)) throw new Error('backend did not register');
}

export { tf };
