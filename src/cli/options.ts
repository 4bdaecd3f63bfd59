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

// Parsers that leave the flag name to commander's message ("option '--x <n>' argument 'v' is invalid. must be ...")
export function probabilityArg(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0 || n > 1) throw new InvalidArgumentError('must be a number in [0, 1]');
  return n;
}

export function nonNegativeIntArg(value: string): number {
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n < 0) throw new InvalidArgumentError('must be a non-negative integer');
  return n;
}

export function positiveIntArg(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('must be a positive integer');
  return n;
}

export function positiveNumberArg(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError('must be a positive number');
  return n;
}

export function nonNegativeNumberArg(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0) throw new InvalidArgumentError('must be a non-negative number');
  return n;
}

/** Messages on stderr: stdout carries results only. */
export function note(msg: string): void {
  process.stderr.write(`${msg}\n`);
}
