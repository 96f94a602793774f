import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readShared } from './sharedRead';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'll-shared-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const write = (name: string, bytes: Buffer): string => {
  const file = path.join(dir, name);
  fs.writeFileSync(file, bytes);
  return file;
};

describe('reading whole files into the shared buffer', () => {
  it('gives each file its bytes, whatever its size, one read after another', () => {
    const sizes = [0, 10, 300 * 1024, 2 * 1024 * 1024, 20];
    const files = sizes.map((n, i) => write(`f${i}`, Buffer.alloc(n, String.fromCharCode(97 + i))));
    for (const [i, file] of files.entries()) {
      const got = readShared(file);
      expect(got.length).toBe(sizes[i]);
      expect(got.equals(fs.readFileSync(file))).toBe(true);
    }
  });

  it('hands out a view valid until the next read: a large file gets its own buffer', () => {
    const small = readShared(write('s1', Buffer.from('first')));
    readShared(write('s2', Buffer.from('other')));
    expect(small.toString()).toBe('other');
    const large = readShared(write('l1', Buffer.alloc(2 * 1024 * 1024, 'x')));
    readShared(write('s3', Buffer.from('third')));
    expect(large.subarray(0, 5).toString()).toBe('xxxxx');
  });

  it('fails as readFileSync does', () => {
    expect(() => readShared(path.join(dir, 'missing'))).toThrow(/ENOENT/);
  });
});
