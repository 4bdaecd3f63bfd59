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

export type BackendName = 'tensorflow' | 'wasm' | 'cpu';
export type BackendPreference = BackendName | 'auto';

let active: Promise<BackendName> | undefined;
let activePreference: BackendPreference | undefined;

/**
 * Picks the tfjs backend: the native `@tensorflow/tfjs-node` when it is installed (optional
 * dependency; it needs libtensorflow, which its install script downloads), else the wasm backend
 * (its .wasm ships in the npm package), else the pure-JS cpu backend. Everything after this call
 * is the same code whatever the backend.
 */
export function useBackend(preference: BackendPreference = 'auto'): Promise<BackendName> {
  if (active && preference === activePreference) return active;
  activePreference = preference;
  active = select(preference);
  return active;
}

async function select(preference: BackendPreference): Promise<BackendName> {
  // tfjs prints a "you are running TensorFlow.js in Node.js" banner and other warnings unless PROD is set
  tf.env().set('PROD', true);
  const order: BackendName[] = preference === 'auto' ? ['tensorflow', 'wasm', 'cpu'] : [preference];
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

async function register(name: BackendName): Promise<void> {
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
