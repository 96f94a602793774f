import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { codeCacheFile, readCodeCache, writeCodeCache, type CodeCacheFile } from './codeCache';

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'll-codecache-'));
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

/** A cache file of build `build` for runs of kind `variant`, in the test's directory. */
const cacheFile = (variant: string, build: string): CodeCacheFile => ({
  path: path.join(dir, 'code-cache', `cliMain-${variant}-${build}.bin`),
  build,
});

it('names the cache after the bundle, the kind of run, the build and the runtime', () => {
  const bundle = path.join(dir, 'cliMain.js');
  fs.writeFileSync(bundle, 'x'.repeat(123));
  fs.utimesSync(bundle, 1000, 1_700_000_000.5);
  const build = `123-1700000000500-${process.version}-${process.arch}`;
  expect(codeCacheFile('/c', bundle, fs.statSync(bundle), 'b4-check')).toEqual({
    path: `/c/code-cache/cliMain-b4-check-${build}.bin`,
    build,
  });
});

it("reads back what it wrote, and drops other builds' files only", () => {
  const file = cacheFile('analyze', '2-2-v-x');
  const keep = [cacheFile('b4-check', '2-2-v-x'), cacheFile('other', '1-1-v-x')];
  fs.mkdirSync(path.dirname(file.path));
  fs.writeFileSync(keep[0].path, 'same build, other command');
  fs.writeFileSync(keep[1].path, 'older build');
  fs.writeFileSync(path.join(dir, 'code-cache', 'other-analyze-1-1-v-x.bin'), 'other bundle');
  writeCodeCache(file, Buffer.from([1, 2, 3, 4, 5]));
  expect(readCodeCache(file.path)).toEqual(Buffer.from([1, 2, 3, 4, 5]));
  expect(fs.readdirSync(path.dirname(file.path)).sort()).toEqual([
    'cliMain-analyze-2-2-v-x.bin',
    'cliMain-b4-check-2-2-v-x.bin',
    'other-analyze-1-1-v-x.bin',
  ]);
});

it('reports a missing file as none and a damaged one as damaged, never as data', () => {
  const file = cacheFile('analyze', '2-2-v-x');
  expect(readCodeCache(file.path)).toBe('none');
  writeCodeCache(file, Buffer.from('some bytecode'));
  const good = fs.readFileSync(file.path);
  const flipped = Buffer.from(good);
  flipped[flipped.length - 3] ^= 0x20;
  fs.writeFileSync(file.path, flipped);
  expect(readCodeCache(file.path)).toBe('damaged');
  fs.writeFileSync(file.path, good.subarray(0, good.length - 1));
  expect(readCodeCache(file.path)).toBe('damaged');
  fs.writeFileSync(file.path, Buffer.concat([Buffer.from('not ours'), good.subarray(8)]));
  expect(readCodeCache(file.path)).toBe('damaged');
  fs.writeFileSync(file.path, '');
  expect(readCodeCache(file.path)).toBe('damaged');
});

// Changing a file's owner needs root (as on CI); elsewhere this test is skipped.
it.skipIf(process.getuid?.() !== 0)('never uses a cache file another user owns', () => {
  const file = cacheFile('analyze', '2-2-v-x');
  writeCodeCache(file, Buffer.from('some bytecode'));
  fs.chownSync(file.path, 65534, 65534);
  expect(readCodeCache(file.path)).toBe('foreign');
  fs.chownSync(file.path, 0, 0);
  expect(readCodeCache(file.path)).toEqual(Buffer.from('some bytecode'));
});
