import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ClosedBucket, writeBucket } from './closedBucket';
import { formatLine } from './indexStore';
import { TEST_CLOSED_HEADER } from './indexOptions.testutil';

const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'll-bucket-'));
afterAll(() => fs.rmSync(scratch, { recursive: true, force: true }));

const header = TEST_CLOSED_HEADER;

/** A stored line as the closure writes it: {"name","file",...} first. */
const stored = (name: string, file: string, extra: Record<string, unknown> = {}) => ({
  name,
  file,
  line: formatLine({ name, file, line: 1, ...extra }),
});

function bucketFile(name: string, lines: ReturnType<typeof stored>[]): string {
  const file = path.join(scratch, `${name}.jsonl`);
  writeBucket(file, header, lines);
  return file;
}

const open = (file: string, tag?: string): ClosedBucket => {
  const b = ClosedBucket.open(file, tag);
  if (!(b instanceof ClosedBucket)) throw new Error(b.problem);
  return b;
};

describe('closed bucket files', () => {
  const lines = [
    stored('widget_put', 'b.c'),
    stored('put', 'x.c'),
    stored('widget_put', 'a.c', { isStatic: true }),
    stored('widget_get', 'a.c'),
  ];
  const file = bucketFile('small', lines);

  it('finds each name by its directory: every file defining it, by file, nothing else', () => {
    const b = open(file, 'tag1');
    expect(b.linesOf('widget_put').map((l) => [l.name, l.file, l.json])).toEqual([
      ['widget_put', 'a.c', '{"name":"widget_put","file":"a.c","line":1,"isStatic":true}'],
      ['widget_put', 'b.c', '{"name":"widget_put","file":"b.c","line":1}'],
    ]);
    // A name that ends another one is its own entry.
    expect(b.linesOf('put').map((l) => l.file)).toEqual(['x.c']);
    expect(b.linesOf('get')).toEqual([]);
    expect(b.linesOf('widget')).toEqual([]);
    expect(b.allLines().map((l) => `${l.name} ${l.file}`)).toEqual([
      'put x.c',
      'widget_get a.c',
      'widget_put a.c',
      'widget_put b.c',
    ]);
    expect(b.problems).toEqual([]);
  });

  it('keeps each bucket its own lines when buckets are opened in turn (one read buffer), any name', () => {
    const other = bucketFile('other', [stored('widget_put', 'z.c'), stored('dé_put', 'é.c')]);
    const a = ClosedBucket.open(file, 'tag1', 'put');
    const b = ClosedBucket.open(other, 'tag1', 'widget_put');
    if (!(a instanceof ClosedBucket) || !(b instanceof ClosedBucket)) throw new Error('not opened');
    expect(a.linesOf('widget_put').map((l) => l.file)).toEqual(['a.c', 'b.c']);
    expect(a.linesOf('put').map((l) => l.file)).toEqual(['x.c']);
    expect(b.linesOf('widget_put').map((l) => l.file)).toEqual(['z.c']);
    expect(b.linesOf('dé_put').map((l) => l.file)).toEqual(['é.c']);
    expect([...a.problems, ...b.problems]).toEqual([]);
  });

  it('reads the lines past its first read from their place in the file', () => {
    const many = Array.from({ length: 400 }, (_, i) =>
      stored(`fn_${String(i).padStart(3, '0')}`, `dir/file_${i}.c`, { pad: 'x'.repeat(100) }),
    );
    const big = bucketFile('big', many);
    expect(fs.statSync(big).size).toBeGreaterThan(64 * 1024);
    const b = open(big);
    for (const i of [0, 1, 200, 399])
      expect(b.linesOf(`fn_${String(i).padStart(3, '0')}`).map((l) => l.file)).toEqual([
        `dir/file_${i}.c`,
      ]);
    expect(b.allLines().length).toBe(400);
    expect(b.problems).toEqual([]);
    // Rewritten since it was opened (an index run meanwhile): its directory no longer holds.
    writeBucket(big, { ...header, generation: 'tag2' }, many.slice(1));
    expect(b.linesOf('fn_398')).toEqual([]);
    expect(b.problems).toEqual([
      `${big}: rewritten since it was opened (the index was updated): run again`,
    ]);
    // Not damage: nothing for the next index run to repair.
    expect(b.damage).toBeUndefined();
    expect(b.linesOf('fn_399').map((l) => l.file)).toEqual(['dir/file_399.c']);
  });

  it('says what is wrong with a damaged, foreign or truncated bucket and hands none of it out', () => {
    expect(ClosedBucket.open(file, 'tag2')).toEqual({
      problem: `${file}: another state than the manifest`,
      damaged: false,
    });
    expect(ClosedBucket.open(path.join(scratch, 'none.jsonl'))).toEqual({
      problem: expect.stringMatching(/none\.jsonl: ENOENT: no such file or directory/) as string,
      damaged: true,
    });
    const text = fs.readFileSync(file, 'utf8');
    const damagedDir = path.join(scratch, 'dir.jsonl');
    fs.writeFileSync(damagedDir, text.replace('"put":[0,', '"put":[1,'));
    expect(ClosedBucket.open(damagedDir)).toEqual({
      problem: `${damagedDir}: checksum mismatch in the directory (corrupt)`,
      damaged: true,
    });
    const damagedLine = path.join(scratch, 'line.jsonl');
    fs.writeFileSync(damagedLine, text.replace('"file":"b.c","line":1', '"file":"b.c","line":7'));
    const b = open(damagedLine);
    expect(b.linesOf('widget_put').map((l) => l.file)).toEqual(['a.c']);
    expect(b.problems).toEqual([
      `${damagedLine}: checksum mismatch in the summary of widget_put (corrupt line)`,
    ]);
    expect(b.damage).toBe(b.problems[0]);
    const truncated = path.join(scratch, 'short.jsonl');
    fs.writeFileSync(truncated, text.slice(0, -20));
    const t = open(truncated);
    expect(t.linesOf('widget_put')).toEqual([]);
    expect(t.problems).toEqual([
      `${truncated}: shorter than its directory says (${Buffer.byteLength(text) - 20} bytes)`,
    ]);
    const notIndex = path.join(scratch, 'text.jsonl');
    fs.writeFileSync(notIndex, 'hello\n');
    expect(ClosedBucket.open(notIndex)).toEqual({
      problem: `${notIndex}: not a lifecycle-lens index bucket`,
      damaged: true,
    });
  });
});
