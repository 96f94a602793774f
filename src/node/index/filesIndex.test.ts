import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { readFilesIndex, readFilesIndexEntries, writeFilesIndex } from './filesIndex';
import type { FileEntry } from './indexStore';
import { TEST_CLOSED_HEADER } from './indexOptions.testutil';

const header = { ...TEST_CLOSED_HEADER, kind: 'files' as const };

const entries: FileEntry[] = [
  { p: 'fs/nfsd/vfs.c', h: 'a1', s: 10, m: 1, r: [] },
  { p: 'fs/file_table.c', h: 'b2', s: 20, m: 2, r: [], k: 'binary' },
  // Non-ASCII in a path: lines are found by bytes, decoded as UTF-8.
  { p: 'drivers/é/x.c', h: 'c3', s: 30, m: 3, r: [] },
];

let dir: string | undefined;
afterEach(() => {
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
  dir = undefined;
});

function written(): string {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'll-files-'));
  const file = path.join(dir, 'part.jsonl');
  writeFilesIndex(file, header, entries);
  return file;
}

describe('reading a few entries of a files-index file', () => {
  it('gives each path the entry a whole read gives, and nothing for other paths', () => {
    const file = written();
    const whole = readFilesIndex(file, true).entries;
    const { read, entry } = readFilesIndexEntries(file);
    expect(read.problems).toEqual([]);
    expect(whole.map((e) => entry(e.p))).toEqual(whole);
    expect(whole.map((e) => JSON.parse(e.json) as FileEntry)).toEqual(
      [...entries].sort((a, b) => (a.p < b.p ? -1 : 1)),
    );
    expect(entry('fs/nfsd/filecache.c')).toBeUndefined();
  });

  it('hands out nothing from a damaged body, and says so', () => {
    const file = written();
    const bytes = fs.readFileSync(file);
    bytes[bytes.length - 12] ^= 0xff;
    fs.writeFileSync(file, bytes);
    const { read, entry } = readFilesIndexEntries(file);
    expect(entry('fs/nfsd/vfs.c')).toBeUndefined();
    expect(read.bodyOk).toBe(false);
    expect(read.problems).toEqual([
      `${file}: checksum mismatch in the records (corrupt): its 3 file(s) are re-indexed`,
    ]);
  });
});
