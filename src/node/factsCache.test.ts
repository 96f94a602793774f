import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { FileFacts } from '../core/facts/factTypes';
import type { ParseReport } from '../core/model';
import {
  bundleBuild,
  factsCacheKey,
  factsEntry,
  readFacts,
  trimFactsCache,
  writeFacts,
  type CachedExtraction,
} from './factsCache';

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'll-facts-'));
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

const report: ParseReport = {
  file: 'a.c',
  functions: 1,
  functionsWithErrors: 0,
  errorFunctions: [],
  problems: [],
  maskedMacros: 2,
};
const facts = {
  file: 'a.c',
  functions: [],
  registrations: [],
  refFields: [{ struct: 'struct nfsd_file', field: 'nf_ref', kind: 'refcount_t' }],
  exported: ['nfsd_file_put'],
  masked: [],
  errorFunctions: [],
  problems: [],
  fieldBindings: [],
  globals: { nfsd_filecache_wq: 'struct workqueue_struct *' },
} satisfies FileFacts;
const value: CachedExtraction = { facts, report };

describe('facts cache', () => {
  it('names an entry after the catalog, the path and the text', () => {
    const key = factsCacheKey(dir, 'b1', 'cat1');
    const e = factsEntry(key, 'fs/nfsd/a.c', 'int x;');
    expect(e).toMatch(/^[0-9a-f]{16}$/);
    expect(factsEntry(key, 'fs/nfsd/a.c', 'int x;')).toBe(e);
    expect(factsEntry(key, 'fs/nfsd/a.c', 'int y;')).not.toBe(e);
    expect(factsEntry(key, 'fs/nfsd/b.c', 'int x;')).not.toBe(e);
    expect(factsEntry(factsCacheKey(dir, 'b1', 'cat2'), 'fs/nfsd/a.c', 'int x;')).not.toBe(e);
    // The path and the text are separated: moving a character across gives another entry.
    expect(factsEntry(key, 'a.c', 'xint')).not.toBe(factsEntry(key, 'a.cx', 'int'));
    expect(key.dir).toBe(path.join(dir, 'facts', 'b1'));
  });

  it('reads back exactly what it wrote', () => {
    const key = factsCacheKey(dir, 'b1', 'cat');
    expect(readFacts(key, 'e1')).toBe('none');
    expect(writeFacts(key, 'e1', value)).toBe(true);
    expect(readFacts(key, 'e1')).toEqual(value);
    expect(fs.readdirSync(key.dir)).toEqual(['e1.bin']);
  });

  it('never uses a damaged entry: bit flip, truncation, wrong magic, empty, not facts', () => {
    const key = factsCacheKey(dir, 'b1', 'cat');
    writeFacts(key, 'e1', value);
    const file = path.join(key.dir, 'e1.bin');
    const good = fs.readFileSync(file);
    const flipped = Buffer.from(good);
    flipped[flipped.length - 5] ^= 0x04;
    for (const bad of [
      flipped,
      good.subarray(0, good.length - 1),
      Buffer.concat([Buffer.from('not ours'), good.subarray(8)]),
      Buffer.alloc(0),
    ]) {
      fs.writeFileSync(file, bad);
      expect(readFacts(key, 'e1')).toBe('damaged');
    }
    // A whole, checked file whose data is not an extraction.
    writeFacts(key, 'e2', { facts: undefined, report } as unknown as CachedExtraction);
    expect(readFacts(key, 'e2')).toBe('damaged');
  });

  it.runIf(process.getuid?.() === 0)("never uses another user's entry (run as root)", () => {
    const key = factsCacheKey(dir, 'b1', 'cat');
    writeFacts(key, 'e1', value);
    fs.chownSync(path.join(key.dir, 'e1.bin'), 4242, 4242);
    expect(readFacts(key, 'e1')).toBe('foreign');
  });

  it("a build is named by its files' sizes and times; a missing file is a build too", () => {
    const a = path.join(dir, 'cliMain.js');
    fs.writeFileSync(a, 'x');
    fs.utimesSync(a, 1000, 1_700_000_000);
    const first = bundleBuild([a, path.join(dir, 'absent.wasm')]);
    expect(first).toMatch(/^[0-9a-f]{16}$/);
    expect(bundleBuild([a, path.join(dir, 'absent.wasm')])).toBe(first);
    fs.utimesSync(a, 1000, 1_700_000_001);
    expect(bundleBuild([a, path.join(dir, 'absent.wasm')])).not.toBe(first);
  });

  it('drops other builds, then the oldest entries beyond the limit, at most once an hour', () => {
    const old = factsCacheKey(dir, 'old', 'cat');
    writeFacts(old, 'x', value);
    const key = factsCacheKey(dir, 'new', 'cat');
    const now = 1_800_000_000_000;
    for (const [i, age] of [60, 50, 40, 30].entries()) {
      writeFacts(key, `e${i}`, value);
      const t = (now - age * 60_000) / 1000;
      fs.utimesSync(path.join(key.dir, `e${i}.bin`), t, t);
    }
    // A temporary file of a run that died, and one being written now.
    fs.writeFileSync(path.join(key.dir, 'e9.bin.1.dead.tmp'), '');
    fs.utimesSync(
      path.join(key.dir, 'e9.bin.1.dead.tmp'),
      (now - 120_000) / 1000,
      (now - 120_000) / 1000,
    );
    fs.writeFileSync(path.join(key.dir, 'e8.bin.2.live.tmp'), '');
    fs.utimesSync(path.join(key.dir, 'e8.bin.2.live.tmp'), now / 1000, now / 1000);
    const size = fs.statSync(path.join(key.dir, 'e0.bin')).size;
    trimFactsCache(key, 2 * size, now);
    expect(fs.readdirSync(path.join(dir, 'facts'))).toEqual(['new']);
    expect(fs.readdirSync(key.dir).sort()).toEqual([
      'e2.bin',
      'e3.bin',
      'e8.bin.2.live.tmp',
      'trimmed',
    ]);
    // Within the hour the size is not checked again.
    writeFacts(key, 'e4', value);
    trimFactsCache(key, 0, now + 1000);
    expect(fs.readdirSync(key.dir).sort()).toContain('e4.bin');
  });
});
