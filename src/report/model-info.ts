import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { MODEL_JSON, readModelJsonFile } from '../io/model-json.js';
import type { LabelName, ModelIdentity, ReportCalibration } from './report-types.js';

export class ModelInfoError extends Error {
  override name = 'ModelInfoError';
}

/** The hex digits of a data hash, without an algorithm prefix such as `sha256:`. */
export function hashDigits(dataHash: string): string {
  return dataHash.replace(/^[a-z0-9-]+:/i, '');
}

/** `name@` + the first 12 hex digits of the data hash (enough to tell trainings apart). */
export function modelId(name: string | null, dataHash: string | null): string | null {
  if (name === null) return null;
  return dataHash === null ? name : `${name}@${hashDigits(dataHash).slice(0, 12)}`;
}

/**
 * Read the label set and identity of a model folder (or of its model.json) from
 * `userDefinedMetadata.topicmix.{labels, labelNames, name, training.dataHash}`, without loading the weights.
 */
export async function readModelIdentity(dir: string): Promise<ModelIdentity> {
  const st = await stat(dir).catch(() => null);
  const path = st?.isDirectory() ? join(dir, MODEL_JSON) : dir;
  let meta: unknown;
  try {
    meta = (await readModelJsonFile(path)).meta;
  } catch (err) {
    throw new ModelInfoError((err as Error).message.replace(/^model: /, ''));
  }
  const m = meta as { labels?: unknown; name?: unknown; data_hash?: unknown; training?: { dataHash?: unknown } };
  const { labels, name } = m;
  // The training code records the hash under training.dataHash; `data_hash` is accepted too.
  const dataHash = m.data_hash ?? m.training?.dataHash;
  if (!Array.isArray(labels) || labels.length === 0 || !labels.every((l): l is string => typeof l === 'string' && l.length > 0)) {
    throw new ModelInfoError(`${path}: userDefinedMetadata.topicmix.labels must be a non-empty array of strings`);
  }
  if (name !== undefined && name !== null && typeof name !== 'string') {
    throw new ModelInfoError(`${path}: userDefinedMetadata.topicmix.name must be a string`);
  }
  if (dataHash !== undefined && dataHash !== null && typeof dataHash !== 'string') {
    throw new ModelInfoError(`${path}: userDefinedMetadata.topicmix.data_hash (or training.dataHash) must be a string`);
  }
  const calibration = readCalibration((m as { calibration?: unknown }).calibration, labels, path);
  const n = typeof name === 'string' ? name : null;
  const h = typeof dataHash === 'string' ? dataHash : null;
  const sorted = [...new Set(labels)].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const labelNames = readLabelNames((m as { labelNames?: unknown }).labelNames, sorted, path);
  // Key order as in the report schema (read-report.ts), so a merged report is byte for byte the same.
  return {
    name: n ?? path,
    data_hash: h,
    id: modelId(n ?? path, h),
    labels: sorted,
    labels_source: 'model',
    ...(labelNames && { label_names: labelNames }),
    ...(calibration && { calibration }),
  };
}

/** `labelNames` ({label: {en?, zh?}}, from the taxonomy), checked; in label order, names of labels the model lacks left out. */
function readLabelNames(raw: unknown, labels: string[], path: string): Record<string, LabelName> | undefined {
  if (raw === undefined || raw === null) return undefined;
  const where = `${path}: userDefinedMetadata.topicmix.labelNames`;
  if (typeof raw !== 'object' || Array.isArray(raw)) throw new ModelInfoError(`${where} must map labels to {en, zh} display names`);
  const out: Record<string, LabelName> = {};
  for (const label of labels) {
    const v = (raw as Record<string, unknown>)[label];
    if (v === undefined) continue;
    if (v === null || typeof v !== 'object' || Array.isArray(v)) throw new ModelInfoError(`${where}.${label} must be {en, zh}, got ${JSON.stringify(v)}`);
    const name: LabelName = {};
    for (const [lang, text] of Object.entries(v)) {
      if (lang !== 'en' && lang !== 'zh') throw new ModelInfoError(`${where}.${label}: unknown key "${lang}" (expected en, zh)`);
      if (typeof text !== 'string') throw new ModelInfoError(`${where}.${label}.${lang} must be a string, got ${JSON.stringify(text)}`);
      if (text.trim() !== '') name[lang] = text;
    }
    if (name.en !== undefined || name.zh !== undefined) out[label] = { ...(name.en !== undefined && { en: name.en }), ...(name.zh !== undefined && { zh: name.zh }) };
  }
  return Object.keys(out).length > 0 ? out : undefined;
}

/** The confusion counts a model stores under `calibration.confusion` (see eval/calibration.ts), checked. */
function readCalibration(raw: unknown, labels: string[], path: string): ReportCalibration | undefined {
  if (raw === undefined || raw === null) return undefined;
  const c = raw as { confusion?: unknown; soft_confusion?: unknown; source?: unknown };
  if (c.confusion === undefined) return undefined;
  const K = labels.length;
  const ok =
    c.confusion !== null &&
    typeof c.confusion === 'object' &&
    Object.values(c.confusion).every((m) => Array.isArray(m) && m.length === K && m.every((row) => Array.isArray(row) && row.length === K && row.every((x) => Number.isInteger(x) && x >= 0)));
  if (!ok) throw new ModelInfoError(`${path}: userDefinedMetadata.topicmix.calibration.confusion must map languages to ${K}x${K} matrices of counts`);
  const softOk =
    c.soft_confusion === undefined ||
    (c.soft_confusion !== null &&
      typeof c.soft_confusion === 'object' &&
      Object.values(c.soft_confusion).every(
        (m) => Array.isArray(m) && m.length === K && m.every((row) => Array.isArray(row) && row.length === K && row.every((x) => typeof x === 'number' && Number.isFinite(x) && x >= 0)),
      ));
  if (!softOk) throw new ModelInfoError(`${path}: userDefinedMetadata.topicmix.calibration.soft_confusion must map languages to ${K}x${K} matrices of non-negative numbers`);
  return {
    source: `model: ${typeof c.source === 'string' ? c.source : 'held-out predictions'}`,
    labels: [...labels],
    confusion: c.confusion as Record<string, number[][]>,
    ...(c.soft_confusion !== undefined && { soft_confusion: c.soft_confusion as Record<string, number[][]> }),
  };
}
