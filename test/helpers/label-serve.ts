import { type ChildProcess, spawn } from 'node:child_process';
import { request } from 'node:http';
import { join } from 'node:path';

const CLI = join(__dirname, '..', '..', 'dist', 'cli', 'main.js');

export interface Served {
  url: string;
  base: string;
  token: string;
  port: number;
  proc: ChildProcess;
  stderr: () => string;
  /** SIGTERM, then the exit code. */
  stop: () => Promise<number | null>;
}

/** Start `topicmix label serve <args>` (the built CLI) and wait for the URL on its first stdout line. */
export function serve(args: string[], cwd?: string): Promise<Served> {
  const proc = spawn(process.execPath, [CLI, 'label', 'serve', ...args], { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  proc.stderr!.on('data', (b: Buffer) => {
    err += b.toString('utf8');
  });
  const exited = new Promise<number | null>((resolve) => proc.once('exit', (code) => resolve(code)));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`label serve printed no URL in 30 s; stderr: ${err}`)), 30_000);
    proc.once('exit', (code) => reject(new Error(`label serve exited (${code}) before printing a URL; stderr: ${err}`)));
    proc.stdout!.on('data', (b: Buffer) => {
      out += b.toString('utf8');
      const nl = out.indexOf('\n');
      if (nl < 0) return;
      clearTimeout(timer);
      const url = out.slice(0, nl);
      const u = new URL(url);
      resolve({
        url,
        base: `${u.protocol}//${u.host}`,
        token: u.searchParams.get('token') ?? '',
        port: Number(u.port),
        proc,
        stderr: () => err,
        stop: async () => {
          proc.kill('SIGTERM');
          return exited;
        },
      });
    });
  });
}

export interface Answer {
  status: number;
  body: string;
  headers: Record<string, string | string[] | undefined>;
}

/** One raw HTTP request (the path is sent exactly as given, no normalisation). */
export function http(opts: { host?: string; port: number; path: string; method?: string; headers?: Record<string, string>; body?: string | Buffer }): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request({ host: opts.host ?? '127.0.0.1', port: opts.port, path: opts.path, method: opts.method ?? 'GET', headers: opts.headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8'), headers: res.headers }));
      res.on('error', reject);
    });
    req.on('error', reject);
    if (opts.body !== undefined) req.write(opts.body);
    req.end();
  });
}

/** A JSON API call with the token header. */
export async function api(s: Served, method: 'GET' | 'POST', path: string, body?: unknown, client = 't1'): Promise<{ status: number; json: Record<string, unknown> }> {
  const r = await http({
    port: s.port,
    path: `${path}?client=${client}`,
    method,
    headers: { 'x-topicmix-token': s.token, 'content-type': 'application/json' },
    ...(body !== undefined && { body: JSON.stringify(body) }),
  });
  return { status: r.status, json: JSON.parse(r.body) as Record<string, unknown> };
}
