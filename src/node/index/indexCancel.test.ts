// Cancelling an index build (the editor's Cancel button): the files done are
// kept in a valid files index, no closure is written from a partial tree, and
// the next build indexes only the rest and completes.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildIndex, type IndexOptions } from './indexBuild';
import { parseEntry, readFilesIndex } from './filesIndex';
import { treeIndexDir } from './indexStore';
import { INDEX_WORKER as WORKER, testIndexOptions } from './indexOptions.testutil';

/** Every part of a tree's files index that exists: its entries and problems. */
function writtenParts(dir: string) {
  const parts = path.join(dir, 'files');
  const names = fs.existsSync(parts) ? fs.readdirSync(parts).sort() : [];
  const reads = names.map((n) => readFilesIndex(path.join(parts, n), true));
  return {
    names,
    problems: reads.flatMap((r) => r.problems),
    entries: reads.flatMap((r) => r.entries.map(parseEntry)),
    text: names.map((n) => fs.readFileSync(path.join(parts, n), 'latin1')).join('\n'),
  };
}

const FILES = 3;
const FUNCTIONS_PER_FILE = 3000;

/** A generated file of our own: about 300 KiB, one batch of the build on its own. */
function unit(k: number): string {
  const fns = Array.from(
    { length: FUNCTIONS_PER_FILE },
    (_, i) =>
      `int part${k}_fn${i}(struct part *p)\n{\n\tif (p->flags & ${i})\n\t\treturn p->size + ${i};\n\treturn 0;\n}\n`,
  );
  return `struct part { int flags; int size; };\n${fns.join('\n')}`;
}

describe.skipIf(!fs.existsSync(WORKER))('index build cancellation', () => {
  let tree: string;
  let cache: string;
  const options = (extra: Partial<IndexOptions> = {}) => testIndexOptions(tree, cache, extra);
  beforeAll(() => {
    tree = fs.mkdtempSync(path.join(os.tmpdir(), 'll-cancel-tree-'));
    cache = fs.mkdtempSync(path.join(os.tmpdir(), 'll-cancel-cache-'));
    fs.mkdirSync(path.join(tree, 'include/linux'), { recursive: true });
    fs.mkdirSync(path.join(tree, 'kernel'), { recursive: true });
    for (let k = 0; k < FILES; k++) fs.writeFileSync(path.join(tree, `kernel/part${k}.c`), unit(k));
  });
  afterAll(() => {
    fs.rmSync(tree, { recursive: true, force: true });
    fs.rmSync(cache, { recursive: true, force: true });
  });

  it('aborted after the first batch: keeps that file, writes no closure; the next build completes', async () => {
    const dir = treeIndexDir(cache, tree);
    const abort = new AbortController();
    const stopped = await buildIndex(
      options({ signal: abort.signal, onProgress: () => abort.abort() }),
    );
    expect([stopped.files, stopped.indexed, stopped.cancelled, stopped.closed]).toEqual([
      FILES,
      1,
      true,
      false,
    ]);
    // What was written is a whole, valid index of the one file done: no partial
    // record, no temporary file left, no closed summaries of a partial tree.
    const written = writtenParts(dir);
    expect(written.problems).toEqual([]);
    expect(written.entries.map((e) => [e.p.startsWith('kernel/part'), e.r.length])).toEqual([
      [true, FUNCTIONS_PER_FILE],
    ]);
    expect(fs.readdirSync(dir).sort()).toEqual(['files']);
    expect(written.names.every((n) => n.endsWith('.llidx'))).toBe(true);

    const rest = await buildIndex(options());
    expect([rest.files, rest.indexed, rest.reused, rest.closed, rest.cancelled]).toEqual([
      FILES,
      FILES - 1,
      1,
      true,
      undefined,
    ]);
    expect(rest.functions).toBe(FILES * FUNCTIONS_PER_FILE);
    const again = await buildIndex(options());
    expect([again.indexed, again.reused, again.closed]).toEqual([0, FILES, false]);
  }, 120_000);

  it('aborted before it starts: nothing indexed, the index as it was', async () => {
    const abort = new AbortController();
    abort.abort();
    fs.appendFileSync(
      path.join(tree, 'kernel/part0.c'),
      '\nint part0_extra(void)\n{\n\treturn 1;\n}\n',
    );
    const before = writtenParts(treeIndexDir(cache, tree)).text;
    const stats = await buildIndex(options({ signal: abort.signal }));
    expect([stats.indexed, stats.cancelled, stats.closed]).toEqual([0, true, false]);
    expect(writtenParts(treeIndexDir(cache, tree)).text).toBe(before);
  });
});
