// A finding whose context comes from elsewhere in the tree says how: an IRQ
// handler in a driver reaches a non-static function of the analysed file
// through a helper, and the finding on that file lists the tree's steps from
// the registration down, then the file's own calls.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { analyzeSources } from '../../core/analysis/analyze';
import { collectSources } from '../sourceFiles';
import { nodeParser } from '../wasmFiles';
import { summariesFor } from './summarySource';
import { buildIndex } from './indexBuild';
import {
  INDEX_WORKER,
  REPO_ROOT,
  testCatalog as catalog,
  testIndexOptions,
  writeTestTree,
} from './indexOptions.testutil';

const FILES: Record<string, string> = {
  'include/linux/pump.h': `
struct pump;
void pump_stop(struct pump *p);
`,
  'fs/pump/pump.c': `
#include <linux/pump.h>
struct pump { struct file *p_file; };

void pump_stop(struct pump *p)
{
	filp_close(p->p_file, NULL);
}
`,
  'drivers/pump/irq.c': `
#include <linux/pump.h>

static void pump_check(struct pump *p)
{
	pump_stop(p);
}

static irqreturn_t pump_irq(int irq, void *data)
{
	pump_check(data);
	return IRQ_HANDLED;
}

int pump_probe(struct pump *p, int irq)
{
	return request_irq(irq, pump_irq, 0, "pump", p);
}
`,
};

describe.skipIf(!fs.existsSync(INDEX_WORKER))('chains through the kernel tree', () => {
  let tree: string;
  let cache: string;
  beforeAll(() => {
    ({ tree, cache } = writeTestTree(FILES, 'll-chain'));
  });
  afterAll(() => {
    fs.rmSync(tree, { recursive: true, force: true });
    fs.rmSync(cache, { recursive: true, force: true });
  });

  /** The findings on pump.c analysed alone in its tree, with its locations relative to the tree. */
  async function findingsOfPump() {
    const parser = await nodeParser([path.join(REPO_ROOT, 'dist')]);
    const file = path.join(tree, 'fs/pump/pump.c');
    const summaries = summariesFor([file], { cacheDir: cache }, catalog, parser);
    const model = analyzeSources(collectSources([file], { maxFileBytes: 1 << 20 }).sources, {
      parser,
      catalog,
      summaries: summaries.source,
    });
    const rel = (p: string) => path.relative(tree, path.resolve(p));
    return {
      how: summaries.how.replace(tree, 'TREE').replace(/^.*on demand$/, 'on demand'),
      findings: model.findings.map((f) => ({
        message: f.message,
        related: f.related.map((r) => `${rel(r.at.file)}:${r.at.line} ${r.message}`),
      })),
    };
  }

  it('lists the callers from the registration down, on demand and from the index', async () => {
    const onDemand = await findingsOfPump();
    await buildIndex(testIndexOptions(tree, cache));
    const indexed = await findingsOfPump();
    expect([onDemand.how, indexed.how]).toEqual(['on demand', 'index of TREE']);
    expect(indexed.findings).toEqual(onDemand.findings);
    expect(onDemand.findings).toEqual([
      {
        message:
          'filp_close() may sleep but runs in interrupt handler (hardirq, atomic) (reached from pump_stop)',
        related: [
          'drivers/pump/irq.c:15 pump_probe registers pump_irq: interrupt handler (hardirq, atomic) (kernel tree)',
          'drivers/pump/irq.c:9 pump_irq() calls pump_check (kernel tree)',
          'drivers/pump/irq.c:4 pump_check() calls pump_stop (kernel tree)',
          'fs/pump/pump.c:7 pump_stop() calls filp_close',
        ],
      },
    ]);
  });
});
