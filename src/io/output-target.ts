import type { Stats } from 'node:fs';
import { lstat, readlink, realpath, stat } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { OutputError } from './output-error.js';

/**
 * Where an output really goes. `file`: a regular file (or a new one), written to a temp name next to it
 * and renamed over it; `stream`: a FIFO, a character or block device, a socket, or a file descriptor
 * path (`/dev/fd/N`, `/proc/self/fd/N`), written through in place (a rename would replace the device
 * or the pipe with a regular file); `stdout`: `-` and `/dev/stdout` by its names; `stderr`: `/dev/stderr`
 * by its names (both written to the process's open stream).
 */
export interface OutputTarget {
  /** The path as given. */
  path: string;
  kind: 'stdout' | 'stderr' | 'file' | 'stream';
  /** The path written: symlinks followed to their target (which may not exist yet). */
  file: string;
}

const STDOUT_PATH = /^\/(dev\/stdout|dev\/fd\/1|proc\/self\/fd\/1)$/;
const STDERR_PATH = /^\/(dev\/stderr|dev\/fd\/2|proc\/self\/fd\/2)$/;
/** Paths that name an already open file descriptor rather than a file. */
const FD_PATH = /^\/(dev\/(stdout|stderr|stdin|fd\/\d+)|proc\/(self|\d+)\/fd\/\d+)$/;

async function statOrNull(path: string, follow: boolean): Promise<Stats | null> {
  try {
    return await (follow ? stat(path) : lstat(path));
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return null;
    throw err;
  }
}

/** `path` with its symlinks followed, also when the last one dangles (its target is what gets created). */
async function followLinks(path: string): Promise<string> {
  let p = resolve(path);
  for (let hops = 0; hops < 40; hops++) {
    const st = await statOrNull(p, false);
    if (st === null || !st.isSymbolicLink()) break;
    p = resolve(dirname(p), await readlink(p));
  }
  // the folder may itself be behind a symlink: name the file by its real folder, when the folder exists
  const dir = await realpath(dirname(p)).catch(() => dirname(p));
  return join(dir, basename(p));
}

export async function resolveOutputTarget(path: string): Promise<OutputTarget> {
  if (path === '-') return { path, kind: 'stdout', file: '-' };
  const abs = resolve(path);
  // our own stdout / stderr by another name: written to the open stream (opening the path again fails when it is a socket)
  if (STDOUT_PATH.test(abs) || abs === `/proc/${process.pid}/fd/1`) return { path, kind: 'stdout', file: '-' };
  if (STDERR_PATH.test(abs) || abs === `/proc/${process.pid}/fd/2`) return { path, kind: 'stderr', file: '-' };
  if (FD_PATH.test(abs)) return { path, kind: 'stream', file: abs };
  let st: Stats | null;
  try {
    st = await statOrNull(abs, true);
  } catch (err) {
    throw new OutputError(path, `cannot write ${path}: ${(err as Error).message}`, err);
  }
  if (st?.isDirectory()) throw new OutputError(path, `cannot write ${path}: EISDIR: it is a directory`);
  if (st !== null && !st.isFile()) return { path, kind: 'stream', file: abs };
  return { path, kind: 'file', file: await followLinks(abs) };
}

/** An output to check before anything is written: its path and what it is, for messages (`output`, `errors`). */
export interface NamedOutput {
  path: string;
  what: string;
}

/** dev:ino of an existing file (symlinks followed), else null. */
async function identity(path: string): Promise<{ key: string; st: Stats } | null> {
  const st = await statOrNull(path, true).catch(() => null);
  return st === null ? null : { key: `${st.dev}:${st.ino}`, st };
}

/**
 * Refuse outputs that would destroy data: an output that is one of the inputs (also through another
 * spelling of the path, a symlink or a hard link: files are compared by device and inode), or two
 * outputs that are the same file (one would replace the other). Character devices such as /dev/null
 * may be shared. Stdin/stdout (`-`) are not files and are skipped.
 */
export async function checkOutputTargets(inputs: readonly string[], outputs: readonly NamedOutput[]): Promise<void> {
  const inputIds = new Map<string, string>();
  for (const input of inputs) {
    if (input === '-') continue;
    const id = await identity(input);
    if (id !== null && !id.st.isCharacterDevice()) inputIds.set(id.key, input);
  }
  const seen = new Map<string, NamedOutput>();
  for (const out of outputs) {
    if (out.path === '-' || out.path === '-stderr' || ['stdout', 'stderr'].includes((await resolveOutputTarget(out.path)).kind)) continue;
    const id = await identity(out.path);
    if (id?.st.isCharacterDevice()) continue;
    const input = id === null ? undefined : inputIds.get(id.key);
    if (input !== undefined) {
      const same = input === out.path ? '' : ` (the same file as input ${input})`;
      throw new OutputError(out.path, `${out.what} ${out.path} is an input${same}: refusing to overwrite it; write to another file`);
    }
    const key = id?.key ?? `path:${await followLinks(out.path)}`;
    const other = seen.get(key);
    if (other !== undefined) {
      throw new OutputError(out.path, `${out.what} ${out.path} and ${other.what} ${other.path} are the same file: one would replace the other; give them different names`);
    }
    seen.set(key, out);
  }
}
