import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { codeCacheFile, readCodeCache, writeCodeCache } from './codeCache';

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'll-codecache-'));
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

it('names the cache after the bundle, its size and time, and the runtime', () => {
  const bundle = path.join(dir, 'cliMain.js');
  fs.writeFileSync(bundle, 'x'.repeat(123));
  fs.utimesSync(bundle, 1000, 1_700_000_000.5);
  expect(codeCacheFile('/c', bundle, fs.statSync(bundle))).toBe(
    `/c/code-cache/cliMain-123-1700000000500-${process.version}-${process.arch}.bin`,
  );
});

it('reads back what it wrote, and drops the files of older builds only', () => {
  const file = path.join(dir, 'code-cache', 'cliMain-2-2-v-x.bin');
  fs.mkdirSync(path.dirname(file));
  fs.writeFileSync(path.join(dir, 'code-cache', 'cliMain-1-1-v-x.bin'), 'old');
  fs.writeFileSync(path.join(dir, 'code-cache', 'other-1-1-v-x.bin'), 'other');
  writeCodeCache(file, Buffer.from([1, 2, 3, 4, 5]));
  expect(readCodeCache(file)).toEqual(Buffer.from([1, 2, 3, 4, 5]));
  expect(fs.readdirSync(path.dirname(file)).sort()).toEqual([
    'cliMain-2-2-v-x.bin',
    'other-1-1-v-x.bin',
  ]);
});

it('reports a missing file as none and a damaged one as damaged, never as data', () => {
  const file = path.join(dir, 'code-cache', 'cliMain-2-2-v-x.bin');
  expect(readCodeCache(file)).toBe('none');
  writeCodeCache(file, Buffer.from('some bytecode'));
  const good = fs.readFileSync(file);
  const flipped = Buffer.from(good);
  flipped[flipped.length - 3] ^= 0x20;
  fs.writeFileSync(file, flipped);
  expect(readCodeCache(file)).toBe('damaged');
  fs.writeFileSync(file, good.subarray(0, good.length - 1));
  expect(readCodeCache(file)).toBe('damaged');
  fs.writeFileSync(file, Buffer.concat([Buffer.from('not ours'), good.subarray(8)]));
  expect(readCodeCache(file)).toBe('damaged');
  fs.writeFileSync(file, '');
  expect(readCodeCache(file)).toBe('damaged');
});

// Changing a file's owner needs root (as on CI); elsewhere this test is skipped.
it.skipIf(process.getuid?.() !== 0)('never uses a cache file another user owns', () => {
  const file = path.join(dir, 'code-cache', 'cliMain-2-2-v-x.bin');
  writeCodeCache(file, Buffer.from('some bytecode'));
  fs.chownSync(file, 65534, 65534);
  expect(readCodeCache(file)).toBe('foreign');
  fs.chownSync(file, 0, 0);
  expect(readCodeCache(file)).toEqual(Buffer.from('some bytecode'));
});
