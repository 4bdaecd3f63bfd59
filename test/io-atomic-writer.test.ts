import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile, readdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { Writable } from 'node:stream';
import { gunzipSync } from 'node:zlib';
import { beforeAll, describe, expect, it } from 'vitest';
import { AtomicWriter, OutputError, writeFileAtomic } from '../src/io/atomic-writer.js';
import { readLines } from '../src/io/line-reader.js';
import { tempDir } from './helpers/temp-dir.js';

let dir: string;

beforeAll(async () => {
  dir = tempDir('topicmix-writer-');
});

describe('AtomicWriter', () => {
  it('writes to a temp file and renames on commit', async () => {
    const p = join(dir, 'new/sub/out.jsonl');
    const w = await AtomicWriter.open(p);
    expect(w.tempPath).toMatch(new RegExp(`^${dir}/new/sub/\\.out\\.jsonl\\.tmp-${process.pid}-[0-9a-f]{8}$`));
    expect(w.write('{"a":"中"}\n')).toBeUndefined();
    await w.write('{"b":2}\n');
    expect(existsSync(p)).toBe(false);
    expect(existsSync(w.tempPath!)).toBe(true);
    expect(w.bytesWritten).toBe(20);
    await w.commit();
    expect(await readFile(p, 'utf8')).toBe('{"a":"中"}\n{"b":2}\n');
    expect(await readdir(join(dir, 'new/sub'))).toEqual(['out.jsonl']);
    expect(() => w.write('x')).toThrow(`write after commit: ${p}`);
  });

  it('replaces an existing file only on commit', async () => {
    const p = join(dir, 'replace.txt');
    await writeFile(p, 'old');
    const w = await AtomicWriter.open(p);
    await w.write('new');
    expect(await readFile(p, 'utf8')).toBe('old');
    await w.commit();
    expect(await readFile(p, 'utf8')).toBe('new');
  });

  it('abort leaves nothing behind', async () => {
    const sub = join(dir, 'aborted');
    const p = join(sub, 'out.jsonl');
    const w = await AtomicWriter.open(p);
    await w.write('partial\n');
    await w.abort();
    await w.abort();
    expect(await readdir(sub)).toEqual([]);
    expect(() => w.write('x')).toThrow(`write after abort: ${p}`);
    await expect(w.commit()).rejects.toThrow(`commit after abort: ${p}`);
  });

  it('gzips by extension and round-trips through readLines', async () => {
    const p = join(dir, 'out.jsonl.gz');
    const w = await AtomicWriter.open(p);
    const lines = Array.from({ length: 50000 }, (_, i) => `{"i":${i},"t":"文本 ${i}"}`);
    let waits = 0;
    for (const l of lines) {
      const pending = w.write(l + '\n');
      if (pending) {
        waits++;
        await pending;
      }
    }
    await w.commit();
    expect(waits).toBeGreaterThan(0);
    expect(w.bytesWritten).toBe(Buffer.byteLength(lines.join('\n') + '\n'));
    expect(gunzipSync(await readFile(p)).toString('utf8')).toBe(lines.join('\n') + '\n');
    const back: string[] = [];
    for await (const l of readLines(p)) back.push(l.text!);
    expect(back).toEqual(lines);
  });

  it('gzip can be forced on or off', async () => {
    const p = join(dir, 'plain.gz');
    const w = await AtomicWriter.open(p, { gzip: false });
    await w.write('abc');
    await w.commit();
    expect(await readFile(p, 'utf8')).toBe('abc');
    const q = join(dir, 'zipped.bin');
    const z = await AtomicWriter.open(q, { gzip: true });
    await z.write('abc');
    await z.commit();
    expect(gunzipSync(await readFile(q)).toString()).toBe('abc');
  });

  it('aborting a gzip writer removes its temp file', async () => {
    const sub = join(dir, 'gzabort');
    const w = await AtomicWriter.open(join(sub, 'x.jsonl.gz'));
    await w.write('a'.repeat(100000));
    await w.abort();
    expect(await readdir(sub)).toEqual([]);
  });

  it('a stream error fails the writer, and commit removes the temp file', async () => {
    const sub = join(dir, 'failing');
    const p = join(sub, 'out.jsonl');
    const w = await AtomicWriter.open(p);
    await w.write('x\n');
    // Simulate an I/O error (e.g. ENOSPC) on the underlying file stream.
    const file = (w as unknown as { file: Writable }).file;
    const closed = new Promise((r) => file.once('close', r));
    file.destroy(new Error('ENOSPC: no space left on device, write'));
    await closed;
    expect(() => w.write('y\n')).toThrow(`cannot write ${p}: ENOSPC: no space left on device, write`);
    await expect(w.commit()).rejects.toThrow(`cannot write ${p}: ENOSPC: no space left on device, write`);
    expect(await readdir(sub)).toEqual([]);
  });

  it('writes to stdout, plain or gzipped', async () => {
    const script = join(dir, 'stdout-child.ts');
    await writeFile(
      script,
      `import { AtomicWriter } from ${JSON.stringify(resolve('src/io/atomic-writer.ts'))};\n` +
        `const w = await AtomicWriter.open('-', { gzip: process.argv[2] === 'gz' });\n` +
        `for (let i = 0; i < 20000; i++) { const p = w.write('line ' + i + '\\n'); if (p) await p; }\n` +
        `await w.commit();\n`,
    );
    const run = (arg: string): Promise<Buffer> =>
      new Promise((res, rej) => {
        const child = spawn(process.execPath, [resolve('node_modules/vite-node/vite-node.mjs'), script, arg], {
          stdio: ['ignore', 'pipe', 'pipe'],
          env: { ...process.env, CI: 'true' },
        });
        const out: Buffer[] = [];
        let err = '';
        child.stdout.on('data', (d: Buffer) => out.push(d));
        child.stderr.on('data', (d: Buffer) => (err += d.toString()));
        child.on('error', rej);
        child.on('close', (code) => (code === 0 ? res(Buffer.concat(out)) : rej(new Error(`child exited ${code}: ${err}`))));
      });
    const expected = Array.from({ length: 20000 }, (_, i) => `line ${i}\n`).join('');
    const [plain, zipped] = await Promise.all([run('plain'), run('gz')]);
    expect(plain.toString()).toBe(expected);
    expect(gunzipSync(zipped).toString()).toBe(expected);
  }, 20000);

  it('names the path when the directory cannot be made', async () => {
    const blocker = join(dir, 'blocker');
    await writeFile(blocker, '');
    const p = join(blocker, 'out.jsonl');
    const err = await AtomicWriter.open(p).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OutputError);
    expect((err as OutputError).path).toBe(p);
    expect((err as OutputError).message).toMatch(new RegExp(`^cannot create the directory for ${p}: EEXIST`));
  });
});

describe('writeFileAtomic', () => {
  it('writes whole files and leaves no temp files', async () => {
    const p = join(dir, 'model/weights.bin');
    await writeFileAtomic(p, new Uint8Array([1, 2, 3]));
    await writeFileAtomic(join(dir, 'model/report.json'), '{"ok":true}');
    expect([...(await readFile(p))]).toEqual([1, 2, 3]);
    expect(await readFile(join(dir, 'model/report.json'), 'utf8')).toBe('{"ok":true}');
    expect((await readdir(join(dir, 'model'))).sort()).toEqual(['report.json', 'weights.bin']);
  });

  it('names the path on failure', async () => {
    const p = join(dir, 'isdir');
    await writeFileAtomic(join(p, 'x'), 'x');
    await expect(writeFileAtomic(p, 'y')).rejects.toThrow(new RegExp(`^cannot write ${p}: EISDIR`));
    expect((await readdir(p)).sort()).toEqual(['x']);
  });
});
