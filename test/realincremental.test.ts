// The incremental closure on real code: a copy of the 6.12 corpus tree is
// indexed, fs/nfsd/filecache.c is edited in the copy (a line inserted at the
// top: every function moves; then a call removed), and after each re-index the
// closed state equals a full closure of the edited tree's records. The corpus
// itself is never modified. Runs when the corpus and the build are present.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { builtinCatalog } from '../src/core/catalog/builtinCatalog';
import { CatalogIndex } from '../src/core/catalog/catalog';
import { readClosedContent, writeClosed } from '../src/node/index/closedState';
import { parseEntry, partEntries } from '../src/node/index/filesIndex';
import { buildIndex, closeTree, type IndexOptions } from '../src/node/index/indexBuild';
import { readManifest, recordsOfEntry, treeIndexDir } from '../src/node/index/indexStore';

const ROOT = path.resolve(__dirname, '..');
const CORPUS = path.join(ROOT, '.cache/kernel/6.12');
const WORKER = path.join(ROOT, 'dist/indexWorker.js');
const EDITED = 'fs/nfsd/filecache.c';
const present = fs.existsSync(path.join(CORPUS, EDITED)) && fs.existsSync(WORKER);

const catalog = new CatalogIndex(builtinCatalog);
let work: string;
let tree: string;
let cache: string;
const options = (): IndexOptions => ({
  root: tree,
  cacheDir: cache,
  catalog,
  wasmDirs: [path.join(ROOT, 'dist')],
  workerScript: WORKER,
});

function fullContent() {
  const dir = treeIndexDir(cache, tree);
  const problems: string[] = [];
  const records = [...partEntries(dir, problems)].flat().map((e) => recordsOfEntry(parseEntry(e)));
  expect(problems).toEqual([]);
  const out = fs.mkdtempSync(path.join(work, 'full-'));
  writeClosed(out, readManifest(dir).header!, closeTree(records).values());
  const c = readClosedContent(out);
  fs.rmSync(out, { recursive: true, force: true });
  return c;
}

describe.skipIf(!present)('incremental closure on the 6.12 corpus', () => {
  beforeAll(async () => {
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'll-realinc-'));
    tree = path.join(work, '6.12');
    cache = path.join(work, 'cache');
    fs.cpSync(CORPUS, tree, { recursive: true, preserveTimestamps: true });
    const first = await buildIndex(options());
    expect(first.closed).toBe(true);
  }, 600_000);
  afterAll(() => {
    if (work) fs.rmSync(work, { recursive: true, force: true });
  });

  it('re-closes only the edited file’s cone, equal to a full closure', async () => {
    const file = path.join(tree, EDITED);
    const original = fs.readFileSync(file, 'utf8');
    const edits = [
      `\n${original}`,
      // A call removed: nfsd_file_free() no longer puts the file.
      `\n${original.replace(/\n\t\tnfsd_filp_close\(nf->nf_file\);\n/, '\n')}`,
    ];
    expect(edits[1]).not.toBe(edits[0]);
    for (const text of edits) {
      fs.writeFileSync(file, text);
      const messages: string[] = [];
      const s = await buildIndex({ ...options(), log: (m) => messages.push(m) });
      expect(messages.filter((m) => m.startsWith('closing'))).toEqual([]);
      expect([s.indexed, s.closed]).toEqual([1, true]);
      expect(s.incremental).toBeDefined();
      const incremental = readClosedContent(treeIndexDir(cache, tree));
      expect(incremental.problems).toEqual([]);
      expect(incremental).toEqual(fullContent());
    }
  }, 600_000);
});
