import type { Annotation, ErrorCode, ErrorRecord, LabelledExample } from '../types.js';
import { displayPath } from './inputs.js';
import type { RawLine } from './line-reader.js';
import { READ_DEFAULTS } from '../defaults.js';

/** Lines up to this size are copied into error records (`raw`) so they can be replayed. */
export const MAX_RAW_IN_ERROR_BYTES = 1024 * 1024;

/**
 * Build the error record for a bad line. `what` is the problem alone; the message gets the
 * `<file>:<line>: ` prefix here, so every message in the project has the same shape.
 */
export function errorRecord(raw: RawLine, code: ErrorCode, what: string, field?: string): ErrorRecord {
  const rec: ErrorRecord = {
    file: raw.file,
    line: raw.line,
    error: code,
    message: `${displayPath(raw.file)}:${raw.line}: ${what}`,
    byte_offset: raw.byteOffset,
    byte_length: raw.byteLength,
  };
  if (field !== undefined) rec.field = field;
  if (raw.text !== null && raw.byteLength <= MAX_RAW_IN_ERROR_BYTES) rec.raw = raw.text;
  return rec;
}

export type ParsedDoc = { ok: true; obj: Record<string, unknown>; text: string } | { ok: false; error: ErrorRecord };

/** JSON type name for messages: "null", "array", "number", ... */
export function jsonTypeName(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  return typeof v;
}

function isBlank(s: string): boolean {
  if (s.length === 0) return true;
  const c = s.charCodeAt(0);
  // Fast path: a printable ASCII first character means not blank.
  if (c > 0x20 && c < 0x7f) return false;
  return s.trim().length === 0;
}

type ObjResult = { ok: true; obj: Record<string, unknown> } | { ok: false; error: ErrorRecord };

function parseObject(raw: RawLine): ObjResult {
  if (raw.error !== undefined) return { ok: false, error: errorRecord(raw, raw.error.code, raw.error.message) };
  const line = raw.text;
  if (line === null) return { ok: false, error: errorRecord(raw, 'invalid_utf8', 'line could not be decoded') };
  if (isBlank(line)) return { ok: false, error: errorRecord(raw, 'invalid_json', 'empty line') };
  let v: unknown;
  try {
    v = JSON.parse(line);
  } catch (err) {
    return { ok: false, error: errorRecord(raw, 'invalid_json', `invalid JSON: ${(err as Error).message}`) };
  }
  if (v === null || typeof v !== 'object' || Array.isArray(v)) {
    return { ok: false, error: errorRecord(raw, 'not_object', `expected a JSON object, got ${jsonTypeName(v)}`) };
  }
  return { ok: true, obj: v as Record<string, unknown> };
}

type TextResult = { ok: true; text: string } | { ok: false; error: ErrorRecord };

/** `field` of a parsed object as non-blank text, or the error record naming it. */
export function requiredText(raw: RawLine, obj: Record<string, unknown>, field: string): TextResult {
  const v = Object.hasOwn(obj, field) ? obj[field] : undefined;
  if (v === undefined) return { ok: false, error: errorRecord(raw, 'missing_field', `field "${field}" is missing`, field) };
  if (typeof v !== 'string') {
    return { ok: false, error: errorRecord(raw, 'not_string', `field "${field}" must be a string, got ${jsonTypeName(v)}`, field) };
  }
  if (isBlank(v)) {
    return { ok: false, error: errorRecord(raw, 'empty_text', `field "${field}" is empty or whitespace-only`, field) };
  }
  return { ok: true, text: v };
}

/**
 * Parse one document line: a JSON object whose `field` (a top-level key; dotted paths are not
 * interpreted, so `meta.body` means the key "meta.body") holds non-blank text.
 */
export function parseDocLine(raw: RawLine, field: string): ParsedDoc {
  const o = parseObject(raw);
  if (!o.ok) return o;
  const t = requiredText(raw, o.obj, field);
  if (!t.ok) return t;
  return { ok: true, obj: o.obj, text: t.text };
}

/** Texts of a document pool by id, for label rows that reference pool documents instead of holding text. */
export type PoolTexts = ReadonlyMap<string, { text: string; lang?: string }>;

export type ParsedLabelled = { ok: true; example: LabelledExample } | { ok: false; error: ErrorRecord };

/** null counts as absent for optional fields (exporters often write null for missing values). */
function optional(obj: Record<string, unknown>, key: string): unknown {
  return Object.hasOwn(obj, key) ? (obj[key] ?? undefined) : undefined;
}

function invalid(raw: RawLine, field: string, expected: string, got: unknown): { ok: false; error: ErrorRecord } {
  return {
    ok: false,
    error: errorRecord(raw, 'invalid_field', `field "${field}" must be ${expected}, got ${describe(got)}`, field),
  };
}

function describe(v: unknown): string {
  if (typeof v === 'string') return v.length === 0 ? 'an empty string' : isBlank(v) ? 'a blank string' : 'a string';
  if (typeof v === 'number') return `${v}`;
  return jsonTypeName(v);
}

/** How far the sum of a row's soft labels may be from 1. */
export const PROBS_SUM_TOLERANCE = 1e-6;

/**
 * A row's soft labels `{label: p}`: an object of finite numbers >= 0 (non-empty label names) summing to 1
 * within PROBS_SUM_TOLERANCE. Returns the problem, worded to follow `field "probs"`, when they are not.
 */
function parseProbs(v: unknown): Record<string, number> | string {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) return `must be an object {label: probability}, got ${describe(v)}`;
  const out: Record<string, number> = {};
  let sum = 0;
  const entries = Object.entries(v as Record<string, unknown>);
  if (entries.length === 0) return 'must name at least one label';
  for (const [label, p] of entries) {
    if (isBlank(label)) return 'has an empty label name';
    if (typeof p !== 'number' || !Number.isFinite(p) || p < 0) return `value for "${label}" must be a finite number >= 0, got ${describe(p)}`;
    out[label] = p;
    sum += p;
  }
  if (Math.abs(sum - 1) > PROBS_SUM_TOLERANCE) return `must sum to 1 (within ${PROBS_SUM_TOLERANCE}), sums to ${sum}`;
  return out;
}

/** Labels with p > 0, most probable first (ties in the row's order). */
function softLabelOrder(probs: Record<string, number>): string[] {
  return Object.entries(probs)
    .filter(([, p]) => p > 0)
    .sort((a, b) => b[1] - a[1])
    .map(([l]) => l);
}

/**
 * Parse one labelled line: `{"text": "...", "label": "..."}` with optional `labels` (non-empty array
 * of non-empty strings; unioned after `label`, duplicates dropped), `lang`, `title` (strings),
 * `id` (string or number, kept as a string) and `weight` (finite number > 0, default 1). Instead of
 * `label`/`labels`, `probs` may give soft labels (see parseProbs).
 * `null` counts as absent for every optional field.
 */
/** `textOptional`: rows keyed by `id` may have no text (agreement between label files needs labels only). */
export function parseLabelledLine(raw: RawLine, opts: { field?: string; pool?: PoolTexts; textOptional?: boolean } = {}): ParsedLabelled {
  const field = opts.field ?? READ_DEFAULTS.field;
  const o = parseObject(raw);
  if (!o.ok) return o;
  const obj = o.obj;
  let t: TextResult;
  if (opts.pool !== undefined && !Object.hasOwn(obj, field)) {
    // a pool reference: the label row names a pool document by id, and the pool holds its text
    const id = optional(obj, 'id');
    if (typeof id !== 'string' || id.length === 0)
      return { ok: false, error: errorRecord(raw, 'missing_field', `field "${field}" is missing (and there is no "id" to look it up in the pool)`, field) };
    const doc = opts.pool.get(id);
    if (doc === undefined) return { ok: false, error: errorRecord(raw, 'unknown_id', `field "id": "${id}" is not in the pool`, 'id') };
    t = { ok: true, text: doc.text };
    if (doc.lang !== undefined && optional(obj, 'lang') === undefined) obj.lang = doc.lang;
  } else if (opts.textOptional && !Object.hasOwn(obj, field) && typeof obj.id === 'string' && obj.id !== '') {
    t = { ok: true, text: '' };
  } else {
    t = requiredText(raw, obj, field);
  }
  if (!t.ok) return t;

  const labels: string[] = [];
  const label = optional(obj, 'label');
  if (label !== undefined) {
    if (typeof label !== 'string' || isBlank(label)) return invalid(raw, 'label', 'a non-empty string', label);
    labels.push(label);
  }
  const list = optional(obj, 'labels');
  if (list !== undefined) {
    if (!Array.isArray(list) || list.length === 0) {
      return invalid(raw, 'labels', 'a non-empty array of non-empty strings', list);
    }
    for (let i = 0; i < list.length; i++) {
      const l: unknown = list[i];
      if (typeof l !== 'string' || isBlank(l)) {
        return {
          ok: false,
          error: errorRecord(raw, 'invalid_field', `field "labels" must be a non-empty array of non-empty strings, element ${i} is ${describe(l)}`, 'labels'),
        };
      }
      if (!labels.includes(l)) labels.push(l);
    }
  }
  const probsRaw = optional(obj, 'probs');
  let probs: Record<string, number> | undefined;
  if (probsRaw !== undefined) {
    if (labels.length > 0) return { ok: false, error: errorRecord(raw, 'invalid_field', 'field "probs" gives soft labels: leave out "label" and "labels" on that row', 'probs') };
    const r = parseProbs(probsRaw);
    if (typeof r === 'string') return { ok: false, error: errorRecord(raw, 'invalid_field', `field "probs" ${r}`, 'probs') };
    probs = r;
    labels.push(...softLabelOrder(r));
  }
  if (labels.length === 0) {
    return { ok: false, error: errorRecord(raw, 'missing_field', 'field "label" (or "labels") is missing', 'label') };
  }

  const example: LabelledExample = { fields: obj, text: t.text, labels, weight: 1, source: { file: raw.file, line: raw.line, byteOffset: raw.byteOffset, byteLength: raw.byteLength } };
  if (probs) example.probs = probs;
  const lang = optional(obj, 'lang');
  if (lang !== undefined) {
    if (typeof lang !== 'string' || isBlank(lang)) return invalid(raw, 'lang', 'a non-empty string', lang);
    example.lang = lang;
  }
  const id = optional(obj, 'id');
  if (id !== undefined) {
    if (typeof id === 'number' && Number.isFinite(id)) example.id = String(id);
    else if (typeof id === 'string' && id.length > 0) example.id = id;
    else return invalid(raw, 'id', 'a non-empty string or a number', id);
  }
  const title = optional(obj, 'title');
  if (title !== undefined) {
    if (typeof title !== 'string') return invalid(raw, 'title', 'a string', title);
    example.title = title;
  }
  const weight = optional(obj, 'weight');
  if (weight !== undefined) {
    if (typeof weight !== 'number' || !Number.isFinite(weight) || weight <= 0) {
      return invalid(raw, 'weight', 'a finite number > 0', weight);
    }
    example.weight = weight;
  }
  const annotation: Annotation = {};
  for (const key of ['label2', 'reason', 'annotator', 'note'] as const) {
    const v = optional(obj, key);
    if (v === undefined) continue;
    if (typeof v !== 'string' || isBlank(v)) return invalid(raw, key, 'a non-empty string', v);
    annotation[key] = v;
  }
  const date = optional(obj, 'date');
  if (date !== undefined) {
    if (typeof date !== 'string' || !/^\d{4}-\d{2}-\d{2}$/.test(date) || Number.isNaN(Date.parse(date))) {
      return invalid(raw, 'date', 'a date YYYY-MM-DD', date);
    }
    annotation.date = date;
  }
  if (annotation.label2 !== undefined && labels.includes(annotation.label2)) {
    return { ok: false, error: errorRecord(raw, 'invalid_field', `field "label2" repeats the label "${annotation.label2}"`, 'label2') };
  }
  const split = optional(obj, 'split');
  if (split !== undefined) {
    if (split !== 'train' && split !== 'heldout') return invalid(raw, 'split', '"train" or "heldout"', split);
    annotation.split = split;
  }
  if (Object.keys(annotation).length > 0) example.annotation = annotation;
  return { ok: true, example };
}
