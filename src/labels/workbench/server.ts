import { randomBytes, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { userInfo } from 'node:os';
import { isAbsolute, join, relative, resolve, sep } from 'node:path';
import { WORKBENCH_DEFAULTS } from '../../defaults.js';
import { readLabelled } from '../../io/labelled.js';
import { uniform } from '../../model/seeded-hash.js';
import { compareLangs } from '../../text/script.js';
import { labelledIdsUnder, loadLabelSet } from '../label-set.js';
import { suggestLabels } from '../suggest.js';
import { taxonomyLabels, type Taxonomy } from '../taxonomy.js';
import { LabelFile, type LabelRow } from './label-file.js';
import { workbenchPage } from './page.js';
import { readWorkbenchPool, type WorkbenchDoc } from './pool.js';
import type { RankJob, RankResult } from './rank.js';
import { rankInChild } from './rank-runner.js';

export interface WorkbenchOptions {
  /** The pool to label (JSONL with id, text, optional lang and url; files or globs). */
  pool: string[];
  /** The label set directory; its taxonomy needs `pool_labels`, one of whose globs matches the label file. */
  labels: string;
  /** The model that ranks the first suggestions (without one: a stratified random start until the first retrain). */
  model?: string;
  /** Default WORKBENCH_DEFAULTS.port (0: any free port). Always on 127.0.0.1. */
  port?: number;
  /** Who labels; written into every row. Default: the login name. */
  annotator?: string;
  /** Default WORKBENCH_DEFAULTS.retrainEvery; 0 = only on demand. */
  retrainEvery?: number;
  /** The label file, relative to `labels`. Default: `<folder of the first pool_labels glob>/workbench.jsonl`. */
  labelFile?: string;
  /** Label mappings (labels/mapping.ts) whose public data each retrain adds to the label set, as `train --map`. */
  map?: string[];
  /** Root of the files the mappings name. Default: the current directory. */
  dataRoot?: string;
  /** Where retrained models go. Default `<labels>/.workbench/models` (a dot folder: label set readers skip it). */
  workDir?: string;
  /** Default WORKBENCH_DEFAULTS.seed. */
  seed?: number;
  /** Default WORKBENCH_DEFAULTS.heldoutShare. */
  heldoutShare?: number;
  /** Default WORKBENCH_DEFAULTS.queueSize. */
  queueSize?: number;
  /** Default WORKBENCH_DEFAULTS.maxBodyBytes. */
  maxBodyBytes?: number;
  /** Default WORKBENCH_DEFAULTS.leaseMs. */
  leaseMs?: number;
  /** Things worth a line on stderr (retrains, errors). */
  onLog?: (msg: string) => void;
  /** Today's date (YYYY-MM-DD) for label rows; default the UTC date. */
  today?: () => string;
}

export interface Workbench {
  /** `http://127.0.0.1:<port>/?token=<token>` */
  url: string;
  port: number;
  /** The label file the workbench appends to. */
  labelFile: string;
  /** Resolves when the running (re)ranking, if any, has finished (for tests and scripts). */
  idle(): Promise<void>;
  /** Stop serving, stop a running retrain, release the label file. */
  close(): Promise<void>;
}

/** A bad option of startWorkbench (the CLI renders `name` as --name). */
export class WorkbenchError extends Error {
  override name = 'WorkbenchError';
}

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

interface QueueEntry {
  id: string;
  reason: 'uncertain' | 'random';
  top: { label: string; score: number }[];
  /** The model whose ranking put the page here (null: random start). */
  model: string | null;
}

/** Topic shortcut keys, in taxonomy order; n, s and u are commands and digits pick a reason. */
const TOPIC_KEYS = 'abcdefghijklmopqrtvwxyz';

/** Anything that could walk a path: refused in every parameter that names something. */
function looksLikePath(v: string): boolean {
  return v.includes('..') || v.includes('/') || v.includes('\\') || v.includes('\0');
}

/** The static folder part of a glob: `web/*.jsonl` -> `web`. */
function globFolder(glob: string): string {
  const parts = glob.split('/');
  const fixed: string[] = [];
  for (const p of parts.slice(0, -1)) {
    if (/[*?[\]{}()!]/.test(p)) break;
    fixed.push(p);
  }
  return fixed.join('/');
}

function utcToday(): string {
  return new Date().toISOString().slice(0, 10);
}

function send(res: ServerResponse, status: number, body: string, type: string, extra: Record<string, string> = {}): void {
  res.writeHead(status, {
    'content-type': type,
    'content-length': Buffer.byteLength(body),
    'cache-control': 'no-store',
    'x-content-type-options': 'nosniff',
    'referrer-policy': 'no-referrer',
    'x-frame-options': 'DENY',
    'cross-origin-resource-policy': 'same-origin',
    'cross-origin-opener-policy': 'same-origin',
    ...extra,
  });
  res.end(body);
}

function sendJson(res: ServerResponse, status: number, value: unknown): void {
  send(res, status, JSON.stringify(value), 'application/json; charset=utf-8', { 'content-security-policy': "default-src 'none'; frame-ancestors 'none'" });
}

function readBody(req: IncomingMessage, max: number): Promise<string> {
  const declared = Number(req.headers['content-length'] ?? '0');
  if (declared > max) return Promise.reject(new HttpError(413, `request body larger than ${max} bytes`));
  return new Promise((resolvePromise, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let failed = false;
    req.on('data', (c: Buffer) => {
      if (failed) return;
      size += c.length;
      if (size > max) {
        failed = true;
        reject(new HttpError(413, `request body larger than ${max} bytes`));
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => {
      if (!failed) resolvePromise(Buffer.concat(chunks).toString('utf8'));
    });
    req.on('error', (err) => reject(err));
  });
}

function stringField(body: Record<string, unknown>, key: string, required: boolean): string | undefined {
  const v = body[key];
  if (v === undefined || v === null || v === '') {
    if (required) throw new HttpError(400, `field "${key}" is missing`);
    return undefined;
  }
  if (typeof v !== 'string') throw new HttpError(400, `field "${key}" must be a string`);
  return v;
}

/**
 * Start the labelling workbench: an HTTP server on 127.0.0.1 that serves one page (workbench/page.ts) and a
 * small JSON API. Every request needs the random token of `url`; labels go to the label file through
 * LabelFile (serialised, O_APPEND, fsync); retraining and ranking run in a child process (rank-child.ts).
 */
export async function startWorkbench(options: WorkbenchOptions): Promise<Workbench> {
  const log = options.onLog ?? (() => {});
  const today = options.today ?? utcToday;
  const seed = options.seed ?? WORKBENCH_DEFAULTS.seed;
  const heldoutShare = options.heldoutShare ?? WORKBENCH_DEFAULTS.heldoutShare;
  const queueSize = options.queueSize ?? WORKBENCH_DEFAULTS.queueSize;
  const maxBody = options.maxBodyBytes ?? WORKBENCH_DEFAULTS.maxBodyBytes;
  const leaseMs = options.leaseMs ?? WORKBENCH_DEFAULTS.leaseMs;
  const retrainEvery = options.retrainEvery ?? WORKBENCH_DEFAULTS.retrainEvery;
  if (!Number.isInteger(retrainEvery) || retrainEvery < 0) throw new WorkbenchError(`\`retrainEvery\` must be a non-negative integer, got ${retrainEvery}`);
  if (!(heldoutShare >= 0 && heldoutShare < 1)) throw new WorkbenchError(`\`heldoutShare\` must be in [0, 1), got ${heldoutShare}`);
  const annotator = (options.annotator ?? userInfo().username).trim();
  if (annotator === '') throw new WorkbenchError('`annotator` must not be empty');

  const dir = options.labels;
  let set = await loadLabelSet(dir);
  const taxonomy: Taxonomy = set.taxonomy;
  if (!taxonomy.pool_labels) {
    throw new WorkbenchError(
      `\`labels\`: ${join(dir, 'taxonomy.yaml')} has no pool_labels: the workbench writes rows keyed by pool id, so the taxonomy must name their files (e.g. pool_labels: [web/*.jsonl])`,
    );
  }
  const rel = options.labelFile ?? join(globFolder(taxonomy.pool_labels[0]!), WORKBENCH_DEFAULTS.labelFileName);
  const labelPath = resolve(dir, rel);
  const inside = relative(resolve(dir), labelPath);
  if (isAbsolute(rel) || inside === '' || inside.startsWith('..') || inside.split(sep).includes('..')) {
    throw new WorkbenchError(`\`labelFile\`: "${rel}" must be a path inside the label set ${dir}`);
  }
  if (!/\.jsonl$/.test(labelPath)) throw new WorkbenchError(`\`labelFile\`: "${rel}" must end in .jsonl`);

  const pool = await readWorkbenchPool(options.pool);
  if (pool.length === 0) throw new WorkbenchError(`\`pool\`: ${options.pool.join(', ')} holds no documents`);
  const byId = new Map<string, WorkbenchDoc>(pool.map((d) => [d.id, d]));

  const file = await LabelFile.open(labelPath);
  try {
    set = await loadLabelSet(dir);
    if (!set.poolFiles.some((f) => resolve(f) === labelPath)) {
      throw new WorkbenchError(`\`labelFile\`: ${labelPath} is not matched by the taxonomy's pool_labels (${taxonomy.pool_labels.join(', ')}): labels check and train would not read it`);
    }
  } catch (err) {
    await file.close();
    throw err;
  }

  const labels = taxonomyLabels(taxonomy);
  const abstain = taxonomy.abstain;
  const topicIds = new Set(taxonomy.topics.map((t) => t.id));
  const labelled = await labelledIdsUnder(dir);
  // progress: pool-label rows per topic x language (langs from the pool, else the row)
  const progress = new Map<string, number>();
  const session = new Map<string, number>();
  const cell = (label: string, lang: string): string => `${label}\u0000${lang}`;
  const langs = new Set(pool.map((d) => d.lang));
  for (const ex of (await readLabelled(set.poolFiles, { textOptional: true })).examples) {
    const lang = (ex.id !== undefined ? byId.get(ex.id)?.lang : undefined) ?? ex.lang ?? '?';
    langs.add(lang);
    const k = cell(ex.labels[0]!, lang);
    progress.set(k, (progress.get(k) ?? 0) + 1);
  }
  const bump = (m: Map<string, number>, label: string, lang: string, by: number): void => {
    const k = cell(label, lang);
    m.set(k, (m.get(k) ?? 0) + by);
  };

  // ranking state
  let queue: QueueEntry[] = suggestLabels(pool, { n: queueSize, seed, labelled }).map((s) => ({ id: s.id, reason: s.reason, top: [], model: null }));
  let model: { id: string; dir: string } | null = null;
  let last: RankResult | null = null;
  let status: 'idle' | 'training' | 'ranking' = 'idle';
  let rankError: string | null = null;
  let round = 0;
  let pending = false;
  let sinceRetrain = 0;
  let sessionLabels = 0;
  let running: { kill: () => void; done: Promise<void> } | null = null;
  let closing = false;
  const modelsDir = options.workDir ?? join(dir, '.workbench', 'models');

  const leases = new Map<string, { client: string; until: number }>();
  /** The entry each page was handed out with: its label row records the model that suggested it, even after a re-rank. */
  const served = new Map<string, QueueEntry>();
  const current = new Map<string, string>();
  const skipped = new Map<string, Set<string>>();
  const undoStack = new Map<string, string[]>();

  function startRank(train: boolean): void {
    if (running) {
      if (train) pending = true;
      return;
    }
    if (train) round++;
    status = train ? 'training' : 'ranking';
    rankError = null;
    const job: RankJob = {
      labelsDir: dir,
      poolFiles: options.pool,
      train,
      modelsDir,
      round,
      seed,
      queueSize,
      ...(options.map !== undefined && { map: options.map }),
      ...(options.dataRoot !== undefined && { dataRoot: options.dataRoot }),
      ...(model ? { model: model.dir } : options.model !== undefined && { model: options.model }),
    };
    if (train) sinceRetrain = 0;
    const t0 = performance.now();
    const child = rankInChild(job);
    const done = child.result.then(
      (r) => {
        last = r;
        model = r.model;
        queue = r.queue.map((q) => ({ ...q, model: r.model?.id ?? null }));
        log(
          `${train ? `retrained (round ${round}, ${r.trainSeconds?.toFixed(1)} s)` : 'ranked'} with ${r.model?.id ?? 'no model'}: ${r.queue.length} suggestions in ${((performance.now() - t0) / 1000).toFixed(1)} s` +
            (r.heldout && r.heldout.n > 0 ? `, held-out accuracy ${((100 * r.heldout.correct) / r.heldout.n).toFixed(1)}% of ${r.heldout.n}` : ''),
        );
      },
      (err: unknown) => {
        if (closing) return; // stopped by close()
        rankError = err instanceof Error ? err.message : String(err);
        log(`${train ? 'retrain' : 'ranking'} failed: ${rankError}`);
      },
    );
    running = {
      kill: child.kill,
      done: done.then(() => {
        running = null;
        status = 'idle';
        if (pending) {
          pending = false;
          startRank(true);
        }
      }),
    };
  }
  if (options.model !== undefined) startRank(false);

  function nextFor(client: string): QueueEntry | null {
    const now = Date.now();
    const held = current.get(client);
    if (held !== undefined && !labelled.has(held)) {
      leases.set(held, { client, until: now + leaseMs });
      return served.get(held) ?? queue.find((q) => q.id === held) ?? { id: held, reason: 'random', top: [], model: null };
    }
    const skips = skipped.get(client) ?? new Set<string>();
    const free = (id: string): boolean => {
      if (labelled.has(id) || skips.has(id)) return false;
      const l = leases.get(id);
      return !l || l.client === client || l.until < now;
    };
    let pick = queue.find((q) => free(q.id));
    if (!pick) {
      // the ranked queue ran dry: a random start over what is left, until the next ranking
      const inQueue = new Set(queue.map((q) => q.id));
      const more = suggestLabels(pool, { n: queueSize, seed: seed + sessionLabels + 1, labelled: new Set([...labelled, ...skips, ...inQueue]) });
      queue = queue.concat(more.map((s) => ({ id: s.id, reason: s.reason, top: [], model: null })));
      pick = queue.find((q) => free(q.id));
    }
    if (!pick) return null;
    leases.set(pick.id, { client, until: now + leaseMs });
    current.set(client, pick.id);
    served.set(pick.id, pick);
    return pick;
  }

  function docView(q: QueueEntry): Record<string, unknown> {
    const d = byId.get(q.id)!;
    return { id: d.id, text: d.text, lang: d.lang, url: d.url ?? null, reason: q.reason, top: q.top, model: q.model };
  }

  function stateView(): Record<string, unknown> {
    const langList = [...langs].sort(compareLangs);
    return {
      annotator,
      label_file: labelPath,
      taxonomy: {
        topics: taxonomy.topics.map((t, i) => ({ id: t.id, en: t.names.en, zh: t.names.zh, key: TOPIC_KEYS[i] ?? null })),
        abstain: abstain ? { id: abstain.id, en: abstain.names.en, zh: abstain.names.zh, reasons: abstain.reasons } : null,
      },
      model: model?.id ?? null,
      round,
      status,
      error: rankError,
      retrain_every: retrainEvery,
      since_retrain: sinceRetrain,
      session_labels: sessionLabels,
      progress: { langs: langList, rows: labels.map((l) => ({ label: l, counts: langList.map((g) => progress.get(cell(l, g)) ?? 0), session: langList.map((g) => session.get(cell(l, g)) ?? 0) })) },
      heldout: last?.heldout ?? null,
      shares: last?.shares ?? null,
      queue_head: queue
        .filter((q) => !labelled.has(q.id))
        .slice(0, 10)
        .map((q) => q.id),
    };
  }

  async function label(client: string, body: Record<string, unknown>): Promise<Record<string, unknown>> {
    const id = stringField(body, 'id', true)!;
    if (looksLikePath(id)) throw new HttpError(400, 'field "id": path-like values are refused');
    const doc = byId.get(id);
    if (!doc) throw new HttpError(404, `"${id}" is not in the pool`);
    if (labelled.has(id)) throw new HttpError(409, `"${id}" is labelled already`);
    const lab = stringField(body, 'label', true)!;
    if (!labels.includes(lab)) throw new HttpError(400, `field "label": "${lab}" is not in the taxonomy`);
    const label2 = stringField(body, 'label2', false);
    const reason = stringField(body, 'reason', false);
    const note = stringField(body, 'note', false)?.trim();
    const isAbstain = abstain !== undefined && lab === abstain.id;
    if (label2 !== undefined && (!topicIds.has(label2) || label2 === lab || isAbstain))
      throw new HttpError(400, `field "label2": "${label2}" must be another topic (and "${abstain?.id ?? 'none'}" has none)`);
    if (isAbstain && (reason === undefined || !abstain.reasons.includes(reason))) throw new HttpError(400, `field "reason" must be one of ${abstain.reasons.join(', ')}`);
    if (!isAbstain && reason !== undefined) throw new HttpError(400, `field "reason" is only for "${abstain?.id ?? 'none'}"`);
    if (note !== undefined && note.length > WORKBENCH_DEFAULTS.maxNoteChars) throw new HttpError(400, `field "note" is longer than ${WORKBENCH_DEFAULTS.maxNoteChars} characters`);
    const q = served.get(id) ?? queue.find((e) => e.id === id);
    const row: LabelRow = {
      id,
      label: lab,
      ...(label2 !== undefined && { label2 }),
      ...(reason !== undefined && { reason }),
      ...(note && { note }),
      annotator,
      date: today(),
      split: uniform(`heldout:${id}`, seed) < heldoutShare ? 'heldout' : 'train',
      ...(q?.model && { model: q.model }),
      ...(q && { suggest: q.reason }),
    };
    labelled.add(id); // before the await: a second tab's request for the same page gets 409
    try {
      await file.append(row);
    } catch (err) {
      labelled.delete(id);
      throw err;
    }
    leases.delete(id);
    if (current.get(client) === id) current.delete(client);
    const stack = undoStack.get(client) ?? [];
    stack.push(id);
    undoStack.set(client, stack);
    bump(progress, lab, doc.lang, 1);
    bump(session, lab, doc.lang, 1);
    sessionLabels++;
    sinceRetrain++;
    if (retrainEvery > 0 && sinceRetrain >= retrainEvery) startRank(true);
    return { ok: true, row };
  }

  async function undo(client: string): Promise<Record<string, unknown>> {
    const stack = undoStack.get(client) ?? [];
    const id = stack.pop();
    if (id === undefined) throw new HttpError(409, 'nothing to undo (this tab has made no labels since the server started)');
    const row = await file.retract(id);
    labelled.delete(id);
    if (row) {
      const lang = byId.get(id)?.lang ?? '?';
      bump(progress, row.label, lang, -1);
      bump(session, row.label, lang, -1);
      sessionLabels--;
      if (sinceRetrain > 0) sinceRetrain--;
    }
    const held = current.get(client);
    if (held !== undefined) leases.delete(held);
    current.set(client, id);
    leases.set(id, { client, until: Date.now() + leaseMs });
    return { ok: true, undone: row };
  }

  const token = randomBytes(24).toString('hex');
  const tokenBuf = Buffer.from(token);
  const tokenOk = (given: string | undefined): boolean => {
    if (given === undefined) return false;
    const b = Buffer.from(given);
    return b.length === tokenBuf.length && timingSafeEqual(b, tokenBuf);
  };
  let port = 0;

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const raw = req.url ?? '/';
    const rawPath = raw.split('?')[0]!;
    let decoded: string;
    try {
      decoded = decodeURIComponent(rawPath);
    } catch {
      throw new HttpError(400, 'malformed path');
    }
    const host = req.headers.host ?? '';
    if (host !== `127.0.0.1:${port}` && host !== `localhost:${port}`) throw new HttpError(403, 'wrong Host header');
    const url = new URL(raw, `http://127.0.0.1:${port}`);
    const headerToken = req.headers['x-topicmix-token'];
    const given = typeof headerToken === 'string' ? headerToken : (url.searchParams.get('token') ?? undefined);
    if (!tokenOk(given)) throw new HttpError(403, 'missing or wrong token');
    if (decoded.includes('..') || decoded.includes('\\') || decoded.includes('\0') || decoded.includes('//')) throw new HttpError(400, 'path traversal refused');
    for (const [k, v] of url.searchParams) if (k !== 'token' && looksLikePath(v)) throw new HttpError(400, `parameter "${k}": path-like values are refused`);
    const client = url.searchParams.get('client') ?? 'default';
    if (!/^[A-Za-z0-9_-]{1,64}$/.test(client)) throw new HttpError(400, 'parameter "client" must be 1-64 letters, digits, _ or -');
    const method = req.method ?? 'GET';
    const route = `${method} ${rawPath}`;
    const readJson = async (): Promise<Record<string, unknown>> => {
      if (typeof headerToken !== 'string') throw new HttpError(403, 'POST requests need the x-topicmix-token header');
      const text = await readBody(req, maxBody);
      let v: unknown;
      try {
        v = text === '' ? {} : JSON.parse(text);
      } catch {
        throw new HttpError(400, 'the body is not JSON');
      }
      if (v === null || typeof v !== 'object' || Array.isArray(v)) throw new HttpError(400, 'the body must be a JSON object');
      return v as Record<string, unknown>;
    };
    switch (route) {
      case 'GET /': {
        const nonce = randomBytes(16).toString('base64');
        send(res, 200, workbenchPage(nonce, WORKBENCH_DEFAULTS.maxNoteChars), 'text/html; charset=utf-8', {
          'content-security-policy': `default-src 'none'; script-src 'nonce-${nonce}'; style-src 'nonce-${nonce}'; connect-src 'self'; img-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'`,
        });
        return;
      }
      case 'GET /api/state':
        return sendJson(res, 200, stateView());
      case 'GET /api/next': {
        const q = nextFor(client);
        return sendJson(res, 200, { doc: q ? docView(q) : null });
      }
      case 'POST /api/label':
        return sendJson(res, 200, await label(client, await readJson()));
      case 'POST /api/skip': {
        const body = await readJson();
        const id = stringField(body, 'id', true)!;
        if (looksLikePath(id)) throw new HttpError(400, 'field "id": path-like values are refused');
        if (!byId.has(id)) throw new HttpError(404, `"${id}" is not in the pool`);
        const s = skipped.get(client) ?? new Set<string>();
        s.add(id);
        skipped.set(client, s);
        leases.delete(id);
        if (current.get(client) === id) current.delete(client);
        return sendJson(res, 200, { ok: true });
      }
      case 'POST /api/undo':
        await readJson();
        return sendJson(res, 200, await undo(client));
      case 'POST /api/retrain':
        await readJson();
        startRank(true);
        return sendJson(res, 200, { ok: true, status });
      default:
        throw new HttpError(['/', '/api/state', '/api/next', '/api/label', '/api/skip', '/api/undo', '/api/retrain'].includes(rawPath) ? 405 : 404, `no ${route}`);
    }
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      const status = err instanceof HttpError ? err.status : 500;
      if (status === 500) log(`request failed: ${err instanceof Error ? err.message : String(err)}`);
      // an oversized body is discarded as it arrives (never buffered), and the connection closed after the answer
      if (status === 413) {
        req.resume();
        res.setHeader('connection', 'close');
      }
      if (!res.headersSent) sendJson(res, status, { error: err instanceof Error ? err.message : String(err) });
    });
  });
  server.headersTimeout = 10_000;
  server.requestTimeout = 30_000;
  await new Promise<void>((resolveListen, reject) => {
    server.once('error', (err) => reject(new WorkbenchError(`\`port\`: cannot listen on 127.0.0.1:${options.port ?? WORKBENCH_DEFAULTS.port}: ${err.message}`)));
    server.listen(options.port ?? WORKBENCH_DEFAULTS.port, '127.0.0.1', () => resolveListen());
  }).catch(async (err: unknown) => {
    await file.close();
    throw err;
  });
  port = (server.address() as AddressInfo).port;

  return {
    url: `http://127.0.0.1:${port}/?token=${token}`,
    port,
    labelFile: labelPath,
    idle: async () => {
      while (running) await running.done;
    },
    close: async () => {
      closing = true;
      pending = false;
      running?.kill();
      await new Promise<void>((r) => {
        server.close(() => r());
        server.closeAllConnections();
      });
      await file.close();
    },
  };
}
