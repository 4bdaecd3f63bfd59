import { checkModelMetadata } from '../model/metadata-schema.js';
import { MODEL_JSON, parseModelJson } from '../model/model-json-parse.js';
import { checkFiniteWeights, checkWeightBytes, checkWeightsHash, concatToArrayBuffer, weightLayout, type ModelFiles } from '../model/weight-data.js';

export type FetchLike = (url: string) => Promise<Response>;

/**
 * The model.json URL for `url`: a URL ending in `.json` is the model.json itself, anything else is the
 * model folder. Relative URLs are resolved against the page (`location.href`).
 */
export function modelJsonUrl(url: string | URL): URL {
  const base = (globalThis as { location?: { href: string } }).location?.href;
  let u: URL;
  try {
    u = new URL(String(url), base);
  } catch {
    throw new Error(`model: ${String(url)} is not a URL${base === undefined ? ' (a relative URL needs a page to resolve against)' : ''}`);
  }
  if (u.pathname.endsWith('.json')) return u;
  const folder = new URL(u.href);
  if (!folder.pathname.endsWith('/')) folder.pathname += '/';
  return new URL(MODEL_JSON, folder);
}

async function fetchOk(fetchFn: FetchLike, url: string): Promise<Response> {
  let res: Response;
  try {
    res = await fetchFn(url);
  } catch (err) {
    throw new Error(`model: cannot fetch ${url}: ${(err as Error).message}`);
  }
  if (!res.ok) throw new Error(`model: cannot fetch ${url}: HTTP ${res.status}${res.statusText ? ` ${res.statusText}` : ''}`);
  return res;
}

/** `sha256:<hex>` of `data` by WebCrypto, or null where it is unavailable (insecure contexts). */
async function sha256(data: ArrayBuffer): Promise<string | null> {
  const subtle = (globalThis as { crypto?: { subtle?: { digest(algorithm: string, data: ArrayBuffer): Promise<ArrayBuffer> } } }).crypto?.subtle;
  if (!subtle) return null;
  const d = new Uint8Array(await subtle.digest('SHA-256', data));
  let hex = '';
  for (const b of d) hex += b.toString(16).padStart(2, '0');
  return `sha256:${hex}`;
}

/** Fetches and checks model.json and its weight shards (paths relative to model.json, as tfjs lays them out). */
export async function fetchModelFiles(url: string | URL, fetchFn: FetchLike = (u) => fetch(u)): Promise<ModelFiles> {
  const jsonUrl = modelJsonUrl(url);
  const jsonHref = jsonUrl.href;
  const parsed = parseModelJson(await (await fetchOk(fetchFn, jsonHref)).text(), jsonHref);
  const { modelJson } = parsed;
  const meta = checkModelMetadata(parsed.meta, jsonHref);
  const { specs, paths } = weightLayout(modelJson, jsonHref);
  const hrefs = paths.map((p) => new URL(p, jsonUrl).href);
  const buffers = await Promise.all(hrefs.map(async (h) => new Uint8Array(await (await fetchOk(fetchFn, h)).arrayBuffer())));
  const got = buffers.reduce((a, b) => a + b.byteLength, 0);
  const weightsPath = hrefs.join('+');
  checkWeightBytes(got, specs, weightsPath, jsonHref);
  const weightData = concatToArrayBuffer(buffers, got);
  const digest = await sha256(weightData);
  // without WebCrypto (a page served over plain http) the weights load unverified
  const weightsVerified = digest === null ? false : checkWeightsHash(digest, meta, weightsPath, jsonHref);
  checkFiniteWeights(specs, weightData, weightsPath);
  return { dir: new URL('.', jsonUrl).href, modelJson, meta, specs, weightData, weightsVerified };
}
