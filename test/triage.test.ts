// The triage of every finding on fs/nfsd, fs/nfs and fs/smb/server of the four
// corpus kernels (test/triage/findings.tsv, verdicts read from the C). Fails
// when a finding is new and untriaged or a triaged finding disappeared (both
// printed as keys: update the file, `node scripts/triage-report.mjs --rows`
// helps), and when precision falls below the bar: confident errors
// >= 95% true, all confident findings >= 85% true (unsure counts as not true).
// Skips without the corpus. TRIAGE_SERIES=6.12 limits it to one kernel.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { analyzeSources } from '../src/core/analysis/analyze';
import { CatalogIndex } from '../src/core/catalog/catalog';
import type { Finding } from '../src/core/model';
import { compareTriage, parseTriage, ratio } from '../src/core/reports/triage';
import { summariesFor } from '../src/node/index/summarySource';
import { collectSources } from '../src/node/sourceFiles';
import { nodeParser } from '../src/node/wasmFiles';

const CACHE = process.env.LL_CACHE ?? path.resolve(__dirname, '../.cache/kernel');
const SERIES = ['5.10', '6.1', '6.12', 'sid'].filter(
  (s) => !process.env.TRIAGE_SERIES || process.env.TRIAGE_SERIES === s,
);
const SUBSYSTEMS = ['fs/nfsd', 'fs/nfs', 'fs/smb/server'];
const present = SERIES.filter((s) => fs.existsSync(path.join(CACHE, s, '.stamp')));
if (!present.length)
  console.log(`triage.test.ts skipped: no kernel corpus at ${CACHE} (npm run corpus)`);
const rows = parseTriage(fs.readFileSync(path.join(__dirname, 'triage/findings.tsv'), 'utf8'));

const catalog = new CatalogIndex();

async function findingsOf(series: string): Promise<Finding[]> {
  const parser = await nodeParser();
  const out: Finding[] = [];
  for (const sub of SUBSYSTEMS) {
    const dir = path.join(CACHE, series, sub);
    if (!fs.existsSync(dir)) continue;
    const { sources } = collectSources([dir], { maxFileBytes: 8 << 20 });
    // As the CLI analyses a folder: in its kernel tree, callees outside it from the
    // tree's summaries (built on demand into LIFECYCLE_LENS_CACHE, see vitest.config).
    const callees = summariesFor([dir], {}, catalog, parser);
    out.push(...analyzeSources(sources, { parser, catalog, summaries: callees.source }).findings);
  }
  return out;
}

describe.skipIf(!present.length)('triage of real-kernel findings', () => {
  for (const series of present)
    it(`${series}: every finding triaged, precision holds`, async () => {
      const c = compareTriage(series, await findingsOf(series), path.join(CACHE, series), rows);
      const p = c.precision;
      console.log(
        `triage ${series}: confident errors ${ratio(p.confidentErrors)}, all confident ${ratio(p.confident)}, guesses ${ratio(p.guesses)}`,
      );
      for (const k of c.untriaged) console.log(`untriaged ${series}: ${k}`);
      for (const k of c.disappeared) console.log(`disappeared ${series}: ${k}`);
      expect({ untriaged: c.untriaged, disappeared: c.disappeared }).toEqual({
        untriaged: [],
        disappeared: [],
      });
      if (p.confidentErrors.total)
        expect(p.confidentErrors.true / p.confidentErrors.total).toBeGreaterThanOrEqual(0.95);
      if (p.confident.total)
        expect(p.confident.true / p.confident.total).toBeGreaterThanOrEqual(0.85);
    }, 600_000);
});
