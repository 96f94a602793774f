import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { callersPath, CallersLines, readCallersBucket, writeCallersBucket } from './callersIndex';
import type { CallerEntry } from './callersIndex';
import { headerLine } from './indexStore';
import { TEST_CLOSED_HEADER } from './indexOptions.testutil';

const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'll-callers-'));
afterAll(() => fs.rmSync(scratch, { recursive: true, force: true }));
fs.mkdirSync(path.join(scratch, 'closed', 'callers'), { recursive: true });

const header = TEST_CLOSED_HEADER;

describe('callers buckets', () => {
  // `put` is also a caller of `put_final` and a file is named like a line's start:
  // a name's line is the one that starts with it, never one that mentions it.
  const byName = new Map<string, CallerEntry[] | string>([
    ['put_final', [['put', 'a.c', 'c']]],
    ['put', [['release', 'b.c', 'd', 'workqueue']]],
    ['release', [['put', '{"name":"put","c":[].c', 'b']]],
  ]);
  writeCallersBucket(scratch, '001', header, byName);

  it('finds each name by its own line, and nothing for a name without one', () => {
    const r = readCallersBucket(scratch, '001');
    expect(r.problem).toBeUndefined();
    expect(r.header?.generation).toBe('tag1');
    expect(r.lines?.line('put')).toBe('{"name":"put","c":[["release","b.c","d","workqueue"]]}');
    expect(r.lines?.line('put_final')).toBe('{"name":"put_final","c":[["put","a.c","c"]]}');
    expect(r.lines?.line('release')).toBe(
      '{"name":"release","c":[["put","{\\"name\\":\\"put\\",\\"c\\":[].c","b"]]}',
    );
    expect(r.lines?.line('pu')).toBeUndefined();
    expect(r.lines?.line('final')).toBeUndefined();
  });

  it('splits every line out, in the written order', () => {
    const all = readCallersBucket(scratch, '001').lines?.all();
    expect([...(all?.keys() ?? [])]).toEqual(['put', 'put_final', 'release']);
    expect(all?.get('put_final')).toBe('{"name":"put_final","c":[["put","a.c","c"]]}');
  });

  it('says a damaged bucket, and a line without a name when all lines are asked for', () => {
    const file = callersPath(scratch, '002');
    const body = zlib.gzipSync('{"name":"a","c":[]}\n{"c":[]}');
    fs.writeFileSync(file, Buffer.concat([Buffer.from(headerLine(header)), body]));
    const lines = readCallersBucket(scratch, '002').lines as CallersLines;
    expect(lines.line('a')).toBe('{"name":"a","c":[]}');
    expect(() => lines.all()).toThrow('a line without a name');

    const flipped = Buffer.concat([Buffer.from(headerLine(header)), body]);
    flipped[flipped.length - 10] ^= 0xff;
    fs.writeFileSync(file, flipped);
    expect(readCallersBucket(scratch, '002').problem).toMatch(/002\.gz: unreadable/);
  });
});
