// Tool installation (fastText, GNU time) and machine information.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';

/** @param {string} msg */
export function log(msg) {
  const t = new Date().toISOString().slice(11, 19);
  process.stderr.write(`[bench ${t}] ${msg}\n`);
}

/** @param {string} cmd @param {string[]} args */
function sh(cmd, args) {
  try {
    const r = spawnSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    return { ok: r.status === 0, out: (r.stdout ?? '').trim(), err: (r.stderr ?? '').trim() };
  } catch (e) {
    return { ok: false, out: '', err: String(e) };
  }
}

/** @param {string} name @returns {string|null} */
export function which(name) {
  const r = sh('sh', ['-c', `command -v ${name}`]);
  return r.ok && r.out ? r.out : null;
}

/**
 * Make sure a Debian package's binary exists, installing it non-interactively with apt-get when
 * we are root. Returns null when the binary is there, else a message saying why it is not.
 * @param {string} binary   path or name to look for
 * @param {string} pkg      Debian package
 * @returns {string|null}
 */
export function ensureDebPackage(binary, pkg) {
  const present = () => (binary.startsWith('/') ? fs.existsSync(binary) : which(binary) !== null);
  if (present()) return null;
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  if (!which('apt-get')) return `${binary} not found and apt-get is not available; install the Debian/Ubuntu package '${pkg}' by hand.`;
  if (!isRoot) return `${binary} not found; install it with: sudo apt-get install -y ${pkg} (the bench installs it itself only when run as root).`;
  log(`${binary} not found: installing Debian package ${pkg} (apt-get install -y ${pkg})`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  const apt = (/** @type {string[]} */ a) => spawnSync('apt-get', a, { stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8', env });
  let r = apt(['install', '-y', '-q', pkg]);
  if (r.status !== 0) {
    log('apt-get install failed; running apt-get update and retrying');
    apt(['update', '-q']);
    r = apt(['install', '-y', '-q', pkg]);
  }
  if (r.status !== 0 || !present()) {
    return `could not install ${pkg} with apt-get (exit ${r.status}): ${(r.stderr ?? '').trim().slice(-500)}`;
  }
  log(`installed ${pkg}`);
  return null;
}

/** @param {string} pkg */
export function debVersion(pkg) {
  const r = sh('dpkg-query', ['-W', '-f', '${Version}', pkg]);
  return r.ok ? r.out : null;
}

/**
 * @param {string} repo
 * @param {string|null} fasttextBin
 */
export function machineInfo(repo, fasttextBin) {
  const cpus = os.cpus();
  const git = (/** @type {string[]} */ a) => {
    const r = sh('git', ['-C', repo, ...a]);
    return r.ok ? r.out : null;
  };
  const status = git(['status', '--porcelain', '--untracked-files=no']);
  let distMtime = null;
  try {
    distMtime = fs.statSync(`${repo}/dist/cli/main.js`).mtime.toISOString();
  } catch {
    /* not built */
  }
  return {
    date: new Date().toISOString(),
    hostname: os.hostname(),
    cpu_model: cpus[0]?.model ?? 'unknown',
    cores: cpus.length,
    load_avg_at_start: os.loadavg().map((x) => Math.round(x * 100) / 100),
    mem_total_gb: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    node: process.version,
    fasttext: fasttextBin ? { path: fasttextBin, version: debVersion('fasttext') ?? 'unknown (not a Debian package)' } : null,
    gnu_time: debVersion('time'),
    topicmix_commit: git(['rev-parse', 'HEAD']),
    topicmix_tracked_changes: status === null ? null : status.split('\n').filter(Boolean).length,
    topicmix_dist_main_mtime: distMtime,
  };
}
