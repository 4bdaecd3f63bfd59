// Running child processes with wall time and peak RSS (GNU time), timeouts and captured output.
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export const GNU_TIME = '/usr/bin/time';

/**
 * @typedef {object} RunResult
 * @property {string} command     the command line, for the record
 * @property {number|null} code   exit code (null when killed)
 * @property {boolean} ok         exit code 0 and not timed out
 * @property {boolean} timedOut
 * @property {number} wall_s      wall seconds (GNU time %e when available, else measured here)
 * @property {number|null} rss_mb peak RSS in MiB (GNU time %M), null without GNU time
 * @property {number|null} user_s
 * @property {number|null} sys_s
 * @property {string} stdout      captured stdout ('' unless stdout: 'capture')
 * @property {string} stderr      the last 64 KiB of stderr
 * @property {string} [error]     why it failed, when it did
 */

/**
 * @typedef {object} RunOptions
 * @property {string} [cwd]
 * @property {NodeJS.ProcessEnv} [env]
 * @property {'capture'|'ignore'|{file:string}} [stdout]  where stdout goes (default capture)
 * @property {string} [stderrLog]   also write the full stderr to this file
 * @property {number} [timeoutMs]   kill the process group after this long (0 = never)
 * @property {boolean} [timed]      run under GNU time (default true when it exists)
 */

/** @returns {boolean} */
export function haveGnuTime() {
  try {
    const r = spawnSync(GNU_TIME, ['-f', '%e', 'true'], { stdio: 'ignore' });
    return r.status === 0;
  } catch {
    return false;
  }
}

let gnuTime = haveGnuTime();
export function refreshGnuTime() {
  gnuTime = haveGnuTime();
  return gnuTime;
}

const STDERR_TAIL = 64 * 1024;
const STDOUT_MAX = 256 * 1024 * 1024;

/** @param {string} s */
function shq(s) {
  return /^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

/** @param {string} cmd @param {string[]} args */
export function cmdline(cmd, args) {
  return [cmd, ...args].map(shq).join(' ');
}

/**
 * Run a command to completion.
 * @param {string} cmd
 * @param {string[]} args
 * @param {RunOptions} [opts]
 * @returns {Promise<RunResult>}
 */
export function run(cmd, args, opts = {}) {
  const timed = (opts.timed ?? true) && gnuTime;
  const timeFile = timed ? path.join(os.tmpdir(), `bench-time-${process.pid}-${Date.now()}-${Math.random().toString(36).slice(2)}.txt`) : null;
  const argv = timed ? ['-o', /** @type {string} */ (timeFile), '-f', '%e %M %U %S', cmd, ...args] : args;
  const exe = timed ? GNU_TIME : cmd;
  /** @type {RunResult} */
  const res = {
    command: cmdline(cmd, args),
    code: null,
    ok: false,
    timedOut: false,
    wall_s: NaN,
    rss_mb: null,
    user_s: null,
    sys_s: null,
    stdout: '',
    stderr: '',
  };
  const stdoutMode = opts.stdout ?? 'capture';
  /** @type {number|null} */
  let outFd = null;
  /** @type {import('node:child_process').StdioOptions} */
  let stdio;
  if (stdoutMode === 'capture') stdio = ['ignore', 'pipe', 'pipe'];
  else if (stdoutMode === 'ignore') stdio = ['ignore', 'ignore', 'pipe'];
  else {
    outFd = fs.openSync(stdoutMode.file, 'w');
    stdio = ['ignore', outFd, 'pipe'];
  }
  const errLog = opts.stderrLog ? fs.createWriteStream(opts.stderrLog) : null;
  const t0 = process.hrtime.bigint();
  return new Promise((resolve) => {
    /** @type {import('node:child_process').ChildProcess} */
    let child;
    try {
      child = spawn(exe, argv, { cwd: opts.cwd, env: opts.env ?? process.env, stdio, detached: true });
    } catch (e) {
      res.error = `spawn failed: ${/** @type {Error} */ (e).message}`;
      if (outFd !== null) fs.closeSync(outFd);
      errLog?.end();
      resolve(res);
      return;
    }
    /** @type {Buffer[]} */
    const outChunks = [];
    let outLen = 0;
    child.stdout?.on('data', (/** @type {Buffer} */ b) => {
      if (outLen < STDOUT_MAX) {
        outChunks.push(b);
        outLen += b.length;
      }
    });
    let errTail = '';
    child.stderr?.on('data', (/** @type {Buffer} */ b) => {
      errLog?.write(b);
      errTail += b.toString('utf8');
      if (errTail.length > 2 * STDERR_TAIL) errTail = errTail.slice(-STDERR_TAIL);
    });
    /** @type {NodeJS.Timeout|null} */
    let timer = null;
    if (opts.timeoutMs && opts.timeoutMs > 0) {
      timer = setTimeout(() => {
        res.timedOut = true;
        try {
          if (child.pid) process.kill(-child.pid, 'SIGKILL'); // our own process group only
        } catch {
          child.kill('SIGKILL');
        }
      }, opts.timeoutMs);
    }
    child.on('error', (e) => {
      res.error = `spawn failed: ${e.message}`;
    });
    child.on('close', (code, signal) => {
      if (timer) clearTimeout(timer);
      if (outFd !== null) fs.closeSync(outFd);
      errLog?.end();
      const measured = Number(process.hrtime.bigint() - t0) / 1e9;
      res.code = code;
      res.stdout = Buffer.concat(outChunks).toString('utf8');
      res.stderr = errTail.slice(-STDERR_TAIL);
      res.wall_s = measured;
      if (timeFile) {
        try {
          const txt = fs.readFileSync(timeFile, 'utf8').trim().split('\n');
          const m = /^([\d.]+) (\d+) ([\d.]+) ([\d.]+)$/.exec(txt[txt.length - 1] ?? '');
          if (m) {
            res.wall_s = Number(m[1]);
            res.rss_mb = Number(m[2]) / 1024;
            res.user_s = Number(m[3]);
            res.sys_s = Number(m[4]);
          }
          // GNU time reports "Command terminated by signal N" / "exited with non-zero status N" above.
          if (txt.length > 1 && /signal/.test(txt[0] ?? '') && !signal) signal = /** @type {NodeJS.Signals} */ (txt[0]);
        } catch {
          /* no timing file: keep the measured wall */
        }
        fs.rmSync(timeFile, { force: true });
      }
      res.ok = code === 0 && !res.timedOut && !res.error;
      if (!res.ok && !res.error) {
        res.error = res.timedOut
          ? `timed out after ${((opts.timeoutMs ?? 0) / 1000).toFixed(0)} s`
          : `exit code ${code}${signal ? ` (${signal})` : ''}`;
      }
      resolve(res);
    });
  });
}

/**
 * Short error text for the results: the error plus the end of stderr.
 * @param {RunResult} r
 * @param {number} [max]
 */
export function failText(r, max = 1500) {
  const tail = r.stderr.trim();
  const t = tail.length > max ? '…' + tail.slice(-max) : tail;
  return `${r.command}: ${r.error ?? 'failed'}${t ? `\n${t}` : ''}`;
}

/** @param {number[]} xs */
export function median(xs) {
  const v = xs.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  if (v.length === 0) return NaN;
  const m = v.length >> 1;
  return v.length % 2 ? /** @type {number} */ (v[m]) : (/** @type {number} */ (v[m - 1]) + /** @type {number} */ (v[m])) / 2;
}
