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

/** A duration in seconds: a number with an optional unit s (default), m or h: `90`, `90s`, `1.5m`. */
export function duration(name: string) {
  return (v: string): number => {
    const m = /^\s*(\d+(?:\.\d+)?)\s*(s|m|h)?\s*$/i.exec(v);
    const n = m ? Number(m[1]) * { s: 1, m: 60, h: 3600 }[(m[2] ?? 's').toLowerCase() as 's' | 'm' | 'h'] : Number.NaN;
    if (!(n > 0)) throw new InvalidArgumentError(`${name} must be a positive duration such as 60, 60s, 2m or 1h, got "${v}"`);
    return n;
  };
}

export function intOrAuto(name: string) {
  return (v: string): number | 'auto' => (v === 'auto' ? 'auto' : int(name, 1)(v));
}

export function backend(v: string): BackendPreference {
  if (v === 'auto' || v === 'js' || v === 'tensorflow' || v === 'wasm' || v === 'cpu') return v;
  throw new InvalidArgumentError(`--backend must be auto, js, tensorflow, wasm or cpu, got "${v}"`);
}

export function collect(v: string, prev: string[] = []): string[] {
  return [...prev, v];
}

// Parsers that leave the flag name to commander's message ("option '--x <n>' argument 'v' is invalid. must be ...")
function numberArg(what: string, ok: (n: number) => boolean): (value: string) => number {
  return (value) => {
    const n = Number(value);
    if (!ok(n)) throw new InvalidArgumentError(`must be ${what}`);
    return n;
  };
}

export const probabilityArg = numberArg('a number in [0, 1]', (n) => Number.isFinite(n) && n >= 0 && n <= 1);
export const nonNegativeIntArg = numberArg('a non-negative integer', (n) => Number.isSafeInteger(n) && n >= 0);
export const positiveIntArg = numberArg('a positive integer', (n) => Number.isInteger(n) && n >= 1);
export const positiveNumberArg = numberArg('a positive number', (n) => Number.isFinite(n) && n > 0);
export const nonNegativeNumberArg = numberArg('a non-negative number', (n) => Number.isFinite(n) && n >= 0);

/** Messages on stderr: stdout carries results only. */
export function note(msg: string): void {
  process.stderr.write(`${msg}\n`);
}
