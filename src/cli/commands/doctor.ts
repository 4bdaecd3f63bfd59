import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Command } from 'commander';
import { DEFAULT_MODEL_DIR } from '../../classifier.js';
import { readModelDir } from '../../io/model-files.js';
import { useBackend } from '../../model/backend.js';
import { VERSION } from '../../version.js';

/** The optional parts: what each is for and how to get it. */
const OPTIONAL = [
  {
    pkg: '@tensorflow/tfjs-node',
    what: 'native TensorFlow.js backend for --backend tensorflow; serving defaults to the js kernel, which needs nothing',
    get: 'npm install @tensorflow/tfjs-node (its install script downloads libtensorflow, so it needs internet access)',
  },
  { pkg: 'nodejieba', what: 'jieba word segmentation, for models trained with --zh-tokens jieba', get: 'npm install nodejieba (builds from source; needs a C++ compiler)' },
  { pkg: 'natural', what: 'Porter stemming, for models trained with --stem', get: 'npm install natural' },
  { pkg: 'warcio', what: 'WARC / WET input', get: 'npm install warcio' },
] as const;

/** The installed version of `pkg`, or null when it cannot be loaded from here. */
function present(pkg: string): string | null {
  let dir: string;
  try {
    // resolves packages whose exports hide package.json, ESM-only ones included
    dir = dirname(fileURLToPath(import.meta.resolve(pkg)));
  } catch {
    return null;
  }
  for (; dir !== dirname(dir); dir = dirname(dir)) {
    const file = join(dir, 'package.json');
    if (!existsSync(file)) continue;
    const meta = JSON.parse(readFileSync(file, 'utf8')) as { name?: string; version?: string };
    if (meta.name === pkg) return meta.version ?? '?';
  }
  return null;
}

/** `topicmix doctor`: what this install can do (versions, the backend in use, optional parts) and how to get what is missing. */
export function registerDoctorCommand(program: Command): void {
  program
    .command('doctor')
    .description('say what this install can do: versions, the backends, optional parts and how to get the missing ones')
    .action(async () => {
      const lines: string[] = [
        `topicmix ${VERSION}, node ${process.version} (${process.platform} ${process.arch})`,
        'backend js: usable (topicmix linear kernel, plain JavaScript; what auto serves with)',
      ];
      for (const name of ['tensorflow', 'wasm', 'cpu'] as const) {
        const ok = await useBackend(name).then(
          () => 'usable',
          (err: Error) => `not usable (${err.message.replace(/^no usable TensorFlow\.js backend \(/, '').replace(/\)$/, '')})`,
        );
        lines.push(`backend ${name}: ${ok}`);
      }
      lines.push('backend auto: js (a TensorFlow.js backend serves only when --backend names it)');
      for (const o of OPTIONAL) {
        const v = present(o.pkg);
        lines.push(v === null ? `${o.pkg}: missing (${o.what}); to get it: ${o.get}` : `${o.pkg} ${v}: present (${o.what})`);
      }
      // reads the weights too: checks their sha256 and that every value is finite
      const model = await readModelDir(DEFAULT_MODEL_DIR).then(
        (m) => `default model: ${m.dir} (${m.meta.labels.length} labels, weights ${m.weightsVerified ? 'match their sha256' : 'unverified: model.json records no weightsSha256'})`,
        (err: Error) => `default model: not usable (${DEFAULT_MODEL_DIR}: ${err.message})`,
      );
      lines.push(model);
      process.stdout.write(`${lines.join('\n')}\n`);
    });
}
