/** Outputs never destroy data (issue 11 item 3): inputs, the other output, symlinks, FIFOs and devices. */
import { spawn } from 'node:child_process';
import { existsSync, lstatSync, readFileSync, statSync } from 'node:fs';
import { link, readdir, readFile, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { good, parseJsonl, runCli, stderrRecords, summary, useTinyModel } from './cli-helpers.js';

const ws = useTinyModel('topicmix-output-targets-');

const LINES = [good(1), good(2, '球队赢得了足球比赛'), 'not json', good(4, 'Software update fixes security bugs')];

async function setup(): Promise<{ dir: string; input: string; bytes: Buffer; expected: Buffer }> {
  const dir = await ws.caseDir();
  const input = join(dir, 'in.jsonl');
  await writeFile(input, `${LINES.join('\n')}\n`);
  const ref = await runCli(['classify', '--model', ws.model, input, '-o', join(dir, 'ref.jsonl'), '--errors', join(dir, 'ref.errors.jsonl')]);
  expect(ref.code, ref.stderr).toBe(0);
  return { dir, input, bytes: await readFile(input), expected: await readFile(join(dir, 'ref.jsonl')) };
}

describe('output targets', () => {
  it('refuses an output or errors file that is an input, by any spelling or hard link, and leaves the input as it was', async () => {
    const { dir, input, bytes } = await setup();
    const hard = join(dir, 'hard.jsonl');
    await link(input, hard);
    const cases: [string[], RegExp][] = [
      [['-o', input], /--output .*in\.jsonl is an input: refusing to overwrite it/],
      [['-o', `${dir}/./in.jsonl`], /--output .* is an input \(the same file as input .*in\.jsonl\)/],
      [['-o', hard], /--output .*hard\.jsonl is an input \(the same file as input .*in\.jsonl\)/],
      [['-o', join(dir, 'out.jsonl'), '--errors', input], /--errors .*in\.jsonl is an input/],
    ];
    for (const [args, re] of cases) {
      const r = await runCli(['classify', '--model', ws.model, input, ...args]);
      expect(r.code, args.join(' ')).toBe(1);
      expect(r.stderr).toMatch(re);
    }
    expect(await readFile(input)).toEqual(bytes);
    expect(await readFile(hard)).toEqual(bytes);
    expect((await readdir(dir)).sort()).toEqual(['hard.jsonl', 'in.jsonl', 'ref.errors.jsonl', 'ref.jsonl']);
  });

  it('refuses --errors equal to -o (which would keep only the error lines)', async () => {
    const { dir, input } = await setup();
    const out = join(dir, 'out.jsonl');
    const r = await runCli(['classify', '--model', ws.model, input, '-o', out, '--errors', `${dir}/./out.jsonl`]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/--errors .*out\.jsonl and --output .*out\.jsonl are the same file/);
    expect(existsSync(out)).toBe(false);
    // the same through a symlink to the output
    await writeFile(out, 'keep me\n');
    await symlink(out, join(dir, 'alias.jsonl'));
    const r2 = await runCli(['classify', '--model', ws.model, input, '-o', out, '--errors', join(dir, 'alias.jsonl')]);
    expect(r2.code).toBe(1);
    expect(readFileSync(out, 'utf8')).toBe('keep me\n');
  });

  it('the other commands refuse the same: report -o onto its input, sample --stats onto -o', async () => {
    const { dir } = await setup();
    const tagged = join(dir, 'ref.jsonl');
    const before = await readFile(tagged);
    const rep = await runCli(['report', tagged, '--tokenizer', 'chars', '-o', tagged]);
    expect(rep.code).toBe(1);
    expect(rep.stderr).toMatch(/topicmix report: --output .*ref\.jsonl is an input/);
    expect(await readFile(tagged)).toEqual(before);
    const weights = join(dir, 'w.json');
    const sample = await runCli(['sample', tagged, '--weights', weights, '-o', join(dir, 'mix.jsonl'), '--stats', join(dir, 'mix.jsonl')]);
    expect(sample.code).toBe(1);
    expect(sample.stderr).toMatch(/--stats .*mix\.jsonl and --output .*mix\.jsonl are the same file/);
  });

  it('follows a symlink: the target gets the output, the link stays a link (also a dangling one)', async () => {
    const { dir, input, expected } = await setup();
    const target = join(dir, 'target.jsonl');
    await writeFile(target, 'old\n');
    const lnk = join(dir, 'link.jsonl');
    await symlink('target.jsonl', lnk);
    const r = await runCli(['classify', '--model', ws.model, input, '-o', lnk, '--errors', join(dir, 'e.jsonl')]);
    expect(r.code, r.stderr).toBe(0);
    expect(lstatSync(lnk).isSymbolicLink()).toBe(true);
    expect(await readFile(target)).toEqual(expected);
    const dangling = join(dir, 'dangling.jsonl');
    await symlink('new-target.jsonl', dangling);
    const r2 = await runCli(['classify', '--model', ws.model, input, '-o', dangling, '--errors', join(dir, 'e2.jsonl')]);
    expect(r2.code, r2.stderr).toBe(0);
    expect(lstatSync(dangling).isSymbolicLink()).toBe(true);
    expect(await readFile(join(dir, 'new-target.jsonl'))).toEqual(expected);
  });

  it('writes through to a FIFO (it stays a FIFO; error records go to stderr)', async () => {
    const { dir, input, expected } = await setup();
    const fifo = join(dir, 'pipe');
    await new Promise<void>((res, rej) => spawn('mkfifo', [fifo]).on('exit', (c) => (c === 0 ? res() : rej(new Error(`mkfifo exit ${c}`)))));
    const reader = new Promise<Buffer>((res, rej) => {
      const cat = spawn('cat', [fifo]);
      const chunks: Buffer[] = [];
      cat.stdout.on('data', (b: Buffer) => chunks.push(b));
      cat.on('error', rej);
      cat.on('close', () => res(Buffer.concat(chunks)));
    });
    const r = await runCli(['classify', '--model', ws.model, input, '-o', fifo]);
    expect(r.code, r.stderr).toBe(0);
    expect(await reader).toEqual(expected);
    expect(statSync(fifo).isFIFO()).toBe(true);
    expect(stderrRecords(r.stderr).map((e) => e.line)).toEqual([3]);
    expect((await readdir(dir)).filter((f) => f.startsWith('.') || f.startsWith('pipe.'))).toEqual([]);
  });

  it('-o /dev/null stays a character device; /dev/stdout and /dev/stderr write to the open streams', async () => {
    const { input, expected } = await setup();
    const r = await runCli(['classify', '--model', ws.model, input, '-o', '/dev/null']);
    expect(r.code, r.stderr).toBe(0);
    expect(summary(r.stderr)).toEqual({ read: 4, tagged: 3, errors: 1 });
    expect(statSync('/dev/null').isCharacterDevice()).toBe(true);
    expect(existsSync('/dev/null.errors.jsonl')).toBe(false);
    const gz = await runCli(['classify', '--model', ws.model, input, '-o', '/dev/null', '--errors', '/dev/null']);
    expect(gz.code, gz.stderr).toBe(0);
    expect(statSync('/dev/null').isCharacterDevice()).toBe(true);
    const out = await runCli(['classify', '--model', ws.model, input, '-o', '/dev/stdout', '--errors', '/dev/null']);
    expect(out.code, out.stderr).toBe(0);
    expect(parseJsonl(out.stdout)).toEqual(parseJsonl(expected.toString('utf8')));
    // the child's stdout and stderr are sockets here, which cannot be opened by path: the open streams are used
    const err = await runCli(['classify', '--model', ws.model, input, '-o', '/dev/null', '--errors', '/dev/stderr']);
    expect(err.code, err.stderr).toBe(0);
    expect(stderrRecords(err.stderr).map((e) => e.line)).toEqual([3]);
  });
});
