// The incremental closure on a small tree of our own C: after each edit the index
// updates only the changed files' cone, and every closed bucket, every callers
// bucket and the release reaches they name equal a full closure of the same records.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { callersPath } from './callersIndex';
import { decodeClosed, type StoredClosed } from './closedRecords';
import { bucketPath, readClosedContent, writeClosed } from './closedState';
import { parseEntry, partEntries } from './filesIndex';
import { buildIndex, closeTree, type IndexOptions, type IndexStats } from './indexBuild';
import {
  readLines,
  readManifest,
  recordsOfEntry,
  RELEASE_TABLE,
  treeIndexDir,
  writeManifest,
} from './indexStore';
import { reachOf, type ReleaseReach } from '../../core/analysis/calleeSummary';
import {
  INDEX_WORKER as WORKER,
  bucketIn,
  REPO_ROOT as ROOT,
  testIndexOptions,
} from './indexOptions.testutil';

const HEADER = `
struct thing { refcount_t t_ref; struct file *t_file; struct rcu_head t_rcu; };
void thing_free(struct thing *t);
static inline void thing_put(struct thing *t)
{
	if (refcount_dec_and_test(&t->t_ref))
		thing_free(t);
}
`;
const CLOSE = `
void thing_close_file(struct file *f)
{
	filp_close(f, NULL);
}

void thing_drop_file(struct file *f)
{
	fput(f);
}
`;
const CORE = `
#include <linux/thing.h>
void thing_close_file(struct file *f);
void thing_drop_file(struct file *f);
void thing_walk_b(struct thing *t, int n);

static void thing_free_rcu(struct rcu_head *h)
{
	struct thing *t = container_of(h, struct thing, t_rcu);

	thing_drop_file(t->t_file);
}

void thing_free(struct thing *t)
{
	thing_close_file(t->t_file);
	call_rcu(&t->t_rcu, thing_free_rcu);
}

void thing_walk_a(struct thing *t, int n)
{
	if (n)
		thing_walk_b(t, n - 1);
}

void thing_walk_b(struct thing *t, int n)
{
	if (n)
		thing_walk_a(t, n - 1);
	thing_put(t);
}
`;
const USER = `
#include <linux/thing.h>
void thing_walk_a(struct thing *t, int n);

static int thing_thread(void *data)
{
	struct thing *t = data;

	thing_walk_a(t, 3);
	return 0;
}

int thing_start(struct thing *t)
{
	struct task_struct *k = kthread_run(thing_thread, t, "thing");

	return IS_ERR(k) ? PTR_ERR(k) : 0;
}

int thing_user(struct thing *t)
{
	thing_put(t);
	return 0;
}
`;
const WORK = `
#include <linux/thing.h>
void thing_walk_b(struct thing *t, int n);
struct thing_job { struct work_struct work; struct thing *t; };

static void thing_worker(struct work_struct *w)
{
	struct thing_job *j = container_of(w, struct thing_job, work);

	thing_walk_b(j->t, 1);
}

void thing_job_init(struct thing_job *j)
{
	INIT_WORK(&j->work, thing_worker);
}
`;
let tree: string;
let cache: string;
let scratch: string;
const options = (extra: Partial<IndexOptions> = {}) => testIndexOptions(tree, cache, extra);
const write = (rel: string, text: string) => {
  fs.mkdirSync(path.dirname(path.join(tree, rel)), { recursive: true });
  fs.writeFileSync(path.join(tree, rel), text);
};
const edit = (rel: string, from: string, to: string) => {
  const text = fs.readFileSync(path.join(tree, rel), 'utf8');
  if (!text.includes(from)) throw new Error(`${rel} has no ${from}`);
  write(rel, text.replace(from, to));
};

/** Every closed file's content as read back (no problems). */
function closedContent(dir: string) {
  const c = readClosedContent(dir);
  expect(c.problems).toEqual([]);
  return c;
}

/** The content a full closure of the index's current files records writes. */
function fullContent() {
  const dir = treeIndexDir(cache, tree);
  const records = [...partEntries(dir, [])].flat().map((e) => recordsOfEntry(parseEntry(e)));
  const out = fs.mkdtempSync(path.join(scratch, 'full-'));
  const header = readManifest(dir).header!;
  writeClosed(out, header, closeTree(records).values());
  return closedContent(out);
}

/** The closed summary of `name` as the index holds it now. */
function summaryOf(name: string) {
  const dir = treeIndexDir(cache, tree);
  const releases = readLines<ReleaseReach>(path.join(dir, 'closed', RELEASE_TABLE)).values;
  const v = readLines<StoredClosed>(bucketPath(dir, bucketIn(dir, name))).values.find(
    (x) => x.name === name,
  );
  return v && decodeClosed(v, releases, true);
}
const releasesOf = (name: string) =>
  (summaryOf(name)?.release ?? []).map(
    (r) => `${r.kind} ${r.mode}${r.context ? ` ${r.context}` : ''} ${r.sink}`,
  );
const contextsOf = (name: string) => {
  const s = summaryOf(name);
  return (s ? reachOf(s) : []).map(
    (r) => `${r.context} ${r.kind} ${r.via} ${(r as { depth?: number }).depth ?? 0}`,
  );
};

/** Re-indexes after an edit: incremental, and equal to the full closure. */
async function reindex(): Promise<IndexStats> {
  const messages: string[] = [];
  const stats = await buildIndex(options({ log: (m) => messages.push(m) }));
  expect(messages.filter((m) => m.startsWith('closing the whole tree'))).toEqual([]);
  expect(stats.closed).toBe(true);
  expect(stats.incremental).toBeDefined();
  expect(closedContent(treeIndexDir(cache, tree))).toEqual(fullContent());
  return stats;
}

describe.skipIf(!fs.existsSync(WORKER))('incremental closure', () => {
  beforeAll(async () => {
    tree = fs.mkdtempSync(path.join(os.tmpdir(), 'll-inc-tree-'));
    cache = fs.mkdtempSync(path.join(os.tmpdir(), 'll-inc-cache-'));
    scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'll-inc-full-'));
    write('include/linux/thing.h', HEADER);
    write('fs/thing/close.c', CLOSE);
    write('fs/thing/core.c', CORE);
    write('kernel/thing_user.c', USER);
    const first = await buildIndex(options());
    expect([first.indexed, first.closed, first.incremental]).toEqual([4, true, undefined]);
    expect(closedContent(treeIndexDir(cache, tree))).toEqual(fullContent());
  });
  afterAll(() => {
    for (const d of [tree, cache, scratch]) fs.rmSync(d, { recursive: true, force: true });
  });

  it('starts from the closure of the whole tree', () => {
    expect(releasesOf('thing_walk_a')).toEqual([
      'close inline filp_close',
      'fput deferred rcu-callback fput',
    ]);
    expect(releasesOf('thing_free_rcu')).toEqual(['fput inline fput']);
    expect(contextsOf('thing_walk_a')).toEqual([
      'kthread call thing_thread 1',
      'process external  0',
    ]);
    expect(contextsOf('thing_walk_b')).toEqual([
      'kthread call thing_walk_a 2',
      'process external  0',
    ]);
  });

  it('adds a call: the callers up the chain reach its release', async () => {
    edit(
      'fs/thing/core.c',
      '\t\tthing_walk_b(t, n - 1);\n}',
      '\t\tthing_walk_b(t, n - 1);\n\tthing_drop_file(t->t_file);\n}',
    );
    const s = await reindex();
    expect(s.indexed).toBe(1);
    expect(releasesOf('thing_walk_a')).toEqual([
      'close inline filp_close',
      'fput deferred rcu-callback fput',
      'fput inline fput',
    ]);
    expect(releasesOf('thing_thread')).toEqual(releasesOf('thing_walk_a'));
    expect(contextsOf('thing_drop_file')).toEqual([
      'kthread call thing_walk_a 2',
      'process external  0',
      'rcu-callback call thing_free_rcu 1',
    ]);
  });

  it('removes a call: release sets and contexts shrink, through the cycle too', async () => {
    edit('fs/thing/core.c', '\tthing_close_file(t->t_file);\n', '');
    await reindex();
    expect(releasesOf('thing_free')).toEqual(['fput deferred rcu-callback fput']);
    expect(releasesOf('thing_walk_b')).toEqual([
      'fput deferred rcu-callback fput',
      'fput inline fput',
    ]);
    expect(releasesOf('thing_user')).toEqual(['fput deferred rcu-callback fput']);
    expect(contextsOf('thing_close_file')).toEqual(['process external  0']);
  });

  it('breaks a cycle, then creates one', async () => {
    edit('fs/thing/core.c', '\tif (n)\n\t\tthing_walk_a(t, n - 1);\n', '');
    await reindex();
    expect(releasesOf('thing_walk_b')).toEqual(['fput deferred rcu-callback fput']);
    expect(contextsOf('thing_walk_b')).toEqual([
      'kthread call thing_walk_a 2',
      'process external  0',
    ]);
    // thing_free defers to thing_free_rcu, which now calls thing_free back.
    edit(
      'fs/thing/core.c',
      '\tthing_drop_file(t->t_file);\n}\n\nvoid thing_free',
      '\tthing_drop_file(t->t_file);\n\tthing_free(t);\n}\n\nvoid thing_free',
    );
    await reindex();
    expect(releasesOf('thing_free_rcu')).toEqual([
      'fput deferred rcu-callback fput',
      'fput inline fput',
    ]);
    expect(releasesOf('thing_free')).toEqual(['fput deferred rcu-callback fput']);
  });

  it('adds a file with a registration, then removes the registration', async () => {
    write('kernel/thing_work.c', WORK);
    await reindex();
    expect(contextsOf('thing_worker')).toEqual(['workqueue register INIT_WORK 0']);
    expect(contextsOf('thing_walk_b')).toEqual([
      'kthread call thing_walk_a 2',
      'process external  0',
      'workqueue call thing_worker 1',
    ]);
    edit('kernel/thing_work.c', '\tINIT_WORK(&j->work, thing_worker);\n', '');
    await reindex();
    expect(contextsOf('thing_worker')).toEqual([]);
    expect(contextsOf('thing_walk_b')).toEqual([
      'kthread call thing_walk_a 2',
      'process external  0',
    ]);
    edit('kernel/thing_user.c', 'kthread_run(thing_thread, t, "thing")', 'NULL');
    await reindex();
    expect(contextsOf('thing_walk_a')).toEqual(['process external  0']);
  });

  it('makes a definition static, adds a static one next to its callers, deletes a file', async () => {
    // thing_free_rcu's call reaches nothing now: the cycle through thing_free loses its fput.
    edit('fs/thing/close.c', 'void thing_drop_file', 'static void thing_drop_file');
    await reindex();
    expect(releasesOf('thing_free_rcu')).toEqual([]);
    expect(releasesOf('thing_free')).toEqual([]);
    edit(
      'fs/thing/core.c',
      'static void thing_free_rcu',
      'static void thing_drop_file(struct file *f)\n{\n\tfilp_close(f, NULL);\n}\n\nstatic void thing_free_rcu',
    );
    await reindex();
    expect(releasesOf('thing_free_rcu')).toEqual([
      'close deferred rcu-callback filp_close',
      'close inline filp_close',
    ]);
    expect(releasesOf('thing_free')).toEqual(['close deferred rcu-callback filp_close']);
    edit('fs/thing/close.c', 'static void thing_drop_file', 'void thing_drop_file');
    await reindex();
    fs.rmSync(path.join(tree, 'fs/thing/close.c'));
    const s = await reindex();
    expect(s.removed).toBe(1);
    expect(summaryOf('thing_close_file')).toBeUndefined();
  });

  it('closes the whole tree, with a message, when the stored state is not that of the files', async () => {
    const dir = treeIndexDir(cache, tree);
    const m = readManifest(dir);
    writeManifest(dir, { ...m.header!, generation: 'elsewhere' }, m.manifest!);
    edit('kernel/thing_user.c', 'thing_put(t);', 'thing_put(t);\n\tthing_put(t);');
    const messages: string[] = [];
    const s = await buildIndex(options({ log: (x) => messages.push(x) }));
    expect([s.closed, s.incremental]).toEqual([true, undefined]);
    expect(messages.filter((x) => x.startsWith('closing'))).toEqual([
      'closing the whole tree: the closed state is not that of the files index before this run',
    ]);
    expect(closedContent(dir)).toEqual(fullContent());
    // A closed bucket of another state (a crash before the manifest was written): not updated from.
    fs.writeFileSync(
      bucketPath(dir, bucketIn(dir, 'thing_user')),
      fs
        .readFileSync(bucketPath(dir, bucketIn(dir, 'thing_user')), 'utf8')
        .replace(/"generation":"\w+"/, '"generation":"0000"'),
    );
    write(
      'kernel/thing_user.c',
      `\n${fs.readFileSync(path.join(tree, 'kernel/thing_user.c'), 'utf8')}`,
    );
    messages.length = 0;
    const again = await buildIndex(options({ log: (x) => messages.push(x) }));
    expect([again.closed, again.incremental]).toEqual([true, undefined]);
    expect(messages.filter((x) => x.startsWith('closing'))).toEqual([
      `closing the whole tree: ${bucketPath(dir, bucketIn(dir, 'thing_user'))}: another state than the manifest`,
    ]);
    expect(closedContent(dir)).toEqual(fullContent());
    // A callers bucket the update would rewrite, whole as gzip but with a line without
    // a name: found before anything is written (lines are split out only for rewrites).
    const callers = callersPath(dir, bucketIn(dir, 'thing_walk_a'));
    const stored = fs.readFileSync(callers);
    const nl = stored.indexOf(0x0a);
    const text = `${zlib.gunzipSync(stored.subarray(nl + 1)).toString('utf8')}\n{"c":[]}`;
    fs.writeFileSync(callers, Buffer.concat([stored.subarray(0, nl + 1), zlib.gzipSync(text)]));
    edit('kernel/thing_user.c', 'thing_put(t);\n\treturn 0;', 'thing_walk_a(t, 1);\n\treturn 0;');
    messages.length = 0;
    const third = await buildIndex(options({ log: (x) => messages.push(x) }));
    expect([third.closed, third.incremental]).toEqual([true, undefined]);
    expect(messages.filter((x) => x.startsWith('closing'))).toEqual([
      `closing the whole tree: ${callers}: unreadable (a line without a name)`,
    ]);
    expect(closedContent(dir)).toEqual(fullContent());
    edit('kernel/thing_user.c', 'thing_walk_a(t, 1);\n\treturn 0;', 'thing_put(t);\n\treturn 0;');
    await reindex();
  });

  it('updates a closure installed by `index merge` of two shards', async () => {
    const merged = fs.mkdtempSync(path.join(scratch, 'merged-'));
    const shards = [0, 1].map((i) => path.join(scratch, `shard${i}.llidx`));
    for (const [i, out] of shards.entries()) await buildIndex(options({ shard: { i, n: 2 }, out }));
    execFileSync(process.execPath, [
      path.join(ROOT, 'dist/cli.js'),
      'index',
      'merge',
      ...shards,
      '--cache-dir',
      merged,
      '-q',
    ]);
    const before = cache;
    cache = merged;
    try {
      expect(closedContent(treeIndexDir(cache, tree))).toEqual(fullContent());
      const same = await buildIndex(options());
      expect([same.indexed, same.closed]).toEqual([0, false]);
      edit('kernel/thing_user.c', 'thing_put(t);\n', 'thing_put(t);\n\tthing_walk_b(t, 2);\n');
      const s = await reindex();
      expect(s.incremental?.summaries).toBeGreaterThan(0);
      expect(releasesOf('thing_user')).toEqual(releasesOf('thing_walk_b'));
    } finally {
      cache = before;
    }
  });
});
