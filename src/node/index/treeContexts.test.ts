// Contexts from callers across the tree: a thread function in one file drains a
// dispose list through a non-static function of another file. That file analysed
// alone in its tree (index, or on demand) gives the contexts of the whole
// directory: hand-offs to the list run in the kthread as well as in process context.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { analyzeSources } from '../../core/analysis/analyze';
import { SummaryList, type SummarySource } from '../../core/analysis/calleeSummary';
import type { ProgramModel } from '../../core/model';
import type { CParser } from '../../core/parse/cParser';
import { collectSources } from '../sourceFiles';
import { nodeParser } from '../wasmFiles';
import { buildIndex } from './indexBuild';
import { summariesFor } from './summarySource';
import {
  INDEX_WORKER as WORKER,
  REPO_ROOT as ROOT,
  testCatalog as catalog,
  testIndexOptions,
  writeTestTree,
} from './indexOptions.testutil';

const FILES: Record<string, string> = {
  'include/linux/gadget.h': `
struct gadget_net;
void gadget_net_dispose(struct gadget_net *gn);
`,
  'fs/gadget/cache.c': `
#include <linux/gadget.h>
struct gadget_net { spinlock_t lock; struct list_head dispose; };
struct gadget { refcount_t g_ref; struct file *g_file; struct list_head g_dispose; };

static void gadget_free(struct gadget *g)
{
	filp_close(g->g_file, NULL);
	kfree(g);
}

struct gadget *gadget_get(struct gadget *g)
{
	refcount_inc(&g->g_ref);
	return g;
}

/* Callers that may sleep close it at once. */
void gadget_put_sync(struct gadget *g)
{
	if (refcount_dec_and_test(&g->g_ref))
		gadget_free(g);
}

/* The last put hands the object to the dispose list; someone else closes it. */
void gadget_put(struct gadget *g, struct gadget_net *gn)
{
	if (refcount_dec_and_test(&g->g_ref)) {
		spin_lock(&gn->lock);
		list_add(&g->g_dispose, &gn->dispose);
		spin_unlock(&gn->lock);
	}
}

void gadget_net_dispose(struct gadget_net *gn)
{
	LIST_HEAD(todo);
	struct gadget *g;

	spin_lock(&gn->lock);
	list_splice_init(&gn->dispose, &todo);
	spin_unlock(&gn->lock);
	while (!list_empty(&todo)) {
		g = list_first_entry(&todo, struct gadget, g_dispose);
		list_del(&g->g_dispose);
		gadget_free(g);
	}
}
`,
  'fs/gadget/thread.c': `
#include <linux/gadget.h>
static struct gadget_net *the_net;

static int gadget_thread(void *data)
{
	while (!kthread_should_stop()) {
		gadget_net_dispose(the_net);
		schedule();
	}
	return 0;
}

int gadget_start(void)
{
	struct task_struct *t = kthread_run(gadget_thread, NULL, "gadget");

	return IS_ERR(t) ? PTR_ERR(t) : 0;
}
`,
};
let tree: string;
let cache: string;
let parser: CParser;

function analyse(p: string, summaries: SummarySource): ProgramModel {
  return analyzeSources(collectSources([p], { maxFileBytes: 8 << 20 }).sources, {
    parser,
    catalog,
    summaries,
  });
}

/** Entry contexts and release contexts of cache.c's functions. */
function view(model: ProgramModel) {
  const own = new Set(
    model.functions.filter((f) => f.file.endsWith('fs/gadget/cache.c')).map((f) => f.name),
  );
  const o = model.objects.find((x) => x.type === 'gadget');
  return {
    entries: model.entryPoints
      .filter((e) => own.has(e.function))
      .map((e) => `${e.function} ${e.context}`)
      .sort(),
    releaseContexts: [
      ...new Set(
        (o?.releasePaths ?? [])
          .filter((p) => own.has(p.entry))
          .map((p) => `${p.entry} ${p.entryContext} ${p.runsIn} ${p.mode} ${p.release}`),
      ),
    ].sort(),
  };
}

describe.skipIf(!fs.existsSync(WORKER))('contexts from callers across the tree', () => {
  beforeAll(async () => {
    parser = await nodeParser([path.join(ROOT, 'dist')]);
    ({ tree, cache } = writeTestTree(FILES, 'll-ctx'));
  });
  afterAll(() => {
    fs.rmSync(tree, { recursive: true, force: true });
    fs.rmSync(cache, { recursive: true, force: true });
  });

  const expected = {
    entries: [
      'gadget_get process',
      'gadget_net_dispose kthread',
      'gadget_net_dispose process',
      'gadget_put process',
      'gadget_put_sync process',
    ],
    releaseContexts: [
      'gadget_net_dispose kthread kthread inline close',
      'gadget_net_dispose process process inline close',
      'gadget_put process kthread deferred close',
      'gadget_put process process deferred close',
      'gadget_put_sync process process inline close',
    ],
  };

  it('one file alone, with the tree built on demand, equals the whole directory', () => {
    const file = path.join(tree, 'fs/gadget/cache.c');
    const lazy = summariesFor([file], { cacheDir: cache }, catalog, parser);
    expect(lazy.how).toContain('on demand');
    const alone = view(analyse(file, lazy.source));
    expect(lazy.notes()).toEqual([]);
    expect(alone).toEqual(expected);
    const dir = path.join(tree, 'fs/gadget');
    const whole = summariesFor([dir], { cacheDir: cache }, catalog, parser);
    expect(view(analyse(dir, whole.source))).toEqual(expected);
    // Why: the kthread reaches the drainer from the other file.
    const model = analyse(file, lazy.source);
    expect(
      model.entryPoints.find((e) => e.function === 'gadget_net_dispose' && e.context === 'kthread')
        ?.reason,
    ).toBe(
      `called from gadget_thread at ${path.relative(process.cwd(), tree)}/fs/gadget/thread.c:5 (kernel tree)`,
    );
  });

  it('one file alone, with the index, equals the whole directory with the index', async () => {
    await buildIndex(testIndexOptions(tree, cache));
    const file = path.join(tree, 'fs/gadget/cache.c');
    const chosen = summariesFor([file], { cacheDir: cache }, catalog, parser);
    expect(chosen.how).toBe(`index of ${tree}`);
    expect(view(analyse(file, chosen.source))).toEqual(expected);
    expect(view(analyse(path.join(tree, 'fs/gadget'), chosen.source))).toEqual(expected);
  });

  it('without the tree the file only knows the generic external caller', () => {
    const file = path.join(tree, 'fs/gadget/cache.c');
    expect(view(analyse(file, new SummaryList([])))).toEqual({
      entries: [
        'gadget_get process',
        'gadget_net_dispose process',
        'gadget_put process',
        'gadget_put_sync process',
      ],
      releaseContexts: [
        'gadget_net_dispose process process inline close',
        'gadget_put process process deferred close',
        'gadget_put_sync process process inline close',
      ],
    });
  });
});
