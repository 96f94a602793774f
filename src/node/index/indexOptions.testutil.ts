// Index options the index tests share: the built worker and wasm files, one
// thread (a test's timing must not depend on the machine's cores); the header
// of the bucket files tests write themselves.
import os from 'node:os';
import fs from 'node:fs';
import path from 'node:path';
import { builtinCatalog } from '../../core/catalog/builtinCatalog';
import { CatalogIndex } from '../../core/catalog/catalog';
import type { IndexOptions } from './indexBuild';
import { INDEX_FORMAT_VERSION, manifestBucket, readManifest, type IndexHeader } from './indexStore';

export const REPO_ROOT = path.resolve(__dirname, '../../..');
export const INDEX_WORKER = path.join(REPO_ROOT, 'dist/indexWorker.js');
export const testCatalog = new CatalogIndex(builtinCatalog);

/** A closed-state file's header, generation `tag1`. */
export const TEST_CLOSED_HEADER: IndexHeader = {
  format: INDEX_FORMAT_VERSION,
  summaryFormat: 5,
  catalog: 'c',
  root: '/tree',
  generation: 'tag1',
  kind: 'closed',
};

export function testIndexOptions(
  root: string,
  cacheDir: string,
  extra: Partial<IndexOptions> = {},
): IndexOptions {
  return {
    root,
    cacheDir,
    catalog: testCatalog,
    wasmDirs: [path.join(REPO_ROOT, 'dist')],
    workerScript: INDEX_WORKER,
    threads: 1,
    ...extra,
  };
}

/** The bucket of `name` in the closed state of index directory `dir` (its manifest's count). */
export function bucketIn(dir: string, name: string): string {
  const m = readManifest(dir).manifest;
  if (!m) throw new Error(`${dir}: no closed state`);
  return manifestBucket(m, name);
}

/** A temporary tree holding `files` (path relative to the tree -> text), and an empty cache directory. */
export function writeTestTree(
  files: Record<string, string>,
  prefix: string,
): { tree: string; cache: string } {
  const tree = fs.mkdtempSync(path.join(os.tmpdir(), `${prefix}-tree-`));
  const cache = fs.mkdtempSync(path.join(os.tmpdir(), `${prefix}-cache-`));
  for (const [rel, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(tree, rel)), { recursive: true });
    fs.writeFileSync(path.join(tree, rel), text);
  }
  return { tree, cache };
}
