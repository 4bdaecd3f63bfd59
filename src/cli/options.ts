import { InvalidArgumentError } from 'commander';
import type { BackendPreference } from '../model/backend.js';

export function int(name: string, min = Number.MIN_SAFE_INTEGER) {
  return (v: string): number => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < min) throw new InvalidArgumentError(`${name} must be an integer${min > Number.MIN_SAFE_INTEGER ? ` >= ${min}` : ''}, got "${v}"`);
    return n;
  };
}

export function num(name: string, min: number, max: number) {
  return (v: string): number => {
    const n = Number(v);
    if (!Number.isFinite(n) || n < min || n > max) throw new InvalidArgumentError(`${name} must be a number in [${min}, ${max}], got "${v}"`);
    return n;
  };
}

export function intOrAuto(name: string) {
  return (v: string): number | 'auto' => (v === 'auto' ? 'auto' : int(name, 1)(v));
}

export function backend(v: string): BackendPreference {
  if (v === 'auto' || v === 'tensorflow' || v === 'wasm' || v === 'cpu') return v;
  throw new InvalidArgumentError(`--backend must be auto, tensorflow, wasm or cpu, got "${v}"`);
}

export function collect(v: string, prev: string[] = []): string[] {
  return [...prev, v];
}

/** Messages on stderr: stdout carries results only. */
export function note(msg: string): void {
  process.stderr.write(`${msg}\n`);
}
