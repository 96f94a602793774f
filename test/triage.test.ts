// The triage of every finding on fs/nfsd, fs/nfs and fs/smb/server of the four
// corpus kernels (test/triage/findings.tsv, verdicts read from the C). Fails
// when a finding is new and untriaged or a triaged finding disappeared (both
// printed as keys: update the file, `node scripts/triage-report.mjs --rows`
// helps), and when precision falls below the committed floor (unsure counts as
// not true).
// Skips without the corpus. TRIAGE_SERIES=6.12 limits it to one kernel.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Finding } from '../src/core/model';
import { compareTriage, parseTriage, ratio } from '../src/core/reports/triage';

const CACHE = process.env.LL_CACHE ?? path.resolve(__dirname, '../.cache/kernel');
const SERIES = ['5.10', '6.1', '6.12', 'sid'].filter(
  (s) => !process.env.TRIAGE_SERIES || process.env.TRIAGE_SERIES === s,
);
const SUBSYSTEMS = ['fs/nfsd', 'fs/nfs', 'fs/smb/server'];
// Built by `npm test` before vitest runs.
const CLI = path.resolve(__dirname, '../dist/cli.js');
const present = SERIES.filter((s) => fs.existsSync(path.join(CACHE, s, '.stamp')));
if (!present.length)
  console.log(`triage.test.ts skipped: no kernel corpus at ${CACHE} (npm run corpus)`);
const rows = parseTriage(fs.readFileSync(path.join(__dirname, 'triage/findings.tsv'), 'utf8'));

/** The findings the CLI reports for a folder (in its kernel tree), guesses included. */
function findingsOf(series: string): Finding[] {
  const out: Finding[] = [];
  // A whole index of the kernel tree first: callees summarised on demand cover only
  // what earlier runs asked for, and the findings must not depend on that.
  const ix = spawnSync(process.execPath, [CLI, 'index', path.join(CACHE, series), '-q'], {
    encoding: 'utf8',
  });
  if (ix.status !== 0) throw new Error(`index ${series} exited ${ix.status}: ${ix.stderr}`);
  for (const sub of SUBSYSTEMS) {
    const dir = path.join(CACHE, series, sub);
    if (!fs.existsSync(dir)) continue;
    const r = spawnSync(process.execPath, [CLI, 'analyze', dir, '--json', '--all-findings', '-q'], {
      encoding: 'utf8',
      maxBuffer: 512 << 20,
    });
    if (r.status !== 0) throw new Error(`analyze ${dir} exited ${r.status}: ${r.stderr}`);
    out.push(...(JSON.parse(r.stdout) as { model: { findings: Finding[] } }).model.findings);
  }
  return out;
}

// The bar: confident errors >= 95% true and all confident findings
// >= 85% true, over the four kernels (asserted below when all four are here).
// The floors are the figures measured on the committed triage: a new false
// confident finding, or a true one lost, fails the test until the analysis or
// the triage is fixed.
const FLOOR: Record<
  string,
  {
    confidentErrorsTrue: number;
    confidentErrorsNotTrue: number;
    confidentTrue: number;
    confidentNotTrue: number;
  }
> = {
  '5.10': {
    confidentErrorsTrue: 0,
    confidentErrorsNotTrue: 0,
    confidentTrue: 1,
    confidentNotTrue: 0,
  },
  '6.1': {
    confidentErrorsTrue: 0,
    confidentErrorsNotTrue: 0,
    confidentTrue: 2,
    confidentNotTrue: 0,
  },
  '6.12': {
    confidentErrorsTrue: 0,
    confidentErrorsNotTrue: 0,
    confidentTrue: 2,
    confidentNotTrue: 0,
  },
  sid: { confidentErrorsTrue: 0, confidentErrorsNotTrue: 0, confidentTrue: 1, confidentNotTrue: 0 },
};
const BAR = { confidentErrors: 0.95, confident: 0.85 };
const totals = { errors: { true: 0, total: 0 }, confident: { true: 0, total: 0 }, series: 0 };

describe.skipIf(!present.length)('triage of real-kernel findings', () => {
  for (const series of present)
    it(`${series}: every finding triaged, precision holds`, () => {
      const c = compareTriage(series, findingsOf(series), path.join(CACHE, series), rows);
      const p = c.precision;
      console.log(
        `triage ${series}: confident errors ${ratio(p.confidentErrors)}, all confident ${ratio(p.confident)}, guesses ${ratio(p.guesses)}`,
      );
      for (const k of c.untriaged) console.log(`untriaged ${series}: ${k}`);
      for (const k of c.disappeared) console.log(`disappeared ${series}: ${k}`);
      // A guess (hidden by default) may come and go between runs: which of two
      // same-named callees the tree index serves first is not fixed yet (see README).
      // Confident findings may not.
      const guessRow = new Set(
        rows.filter((r) => r.series === series && r.reason.startsWith('[guess')).map((r) => r.key),
      );
      expect({
        untriaged: c.untriaged,
        disappeared: c.disappeared.filter((k) => !guessRow.has(k)),
      }).toEqual({ untriaged: [], disappeared: [] });
      // Precision may only go up from the committed floor (true findings out of
      // the confident ones the default report shows).
      const floor = FLOOR[series];
      expect(p.confidentErrors.true).toBeGreaterThanOrEqual(floor.confidentErrorsTrue);
      expect(p.confident.true).toBeGreaterThanOrEqual(floor.confidentTrue);
      expect(p.confidentErrors.total - p.confidentErrors.true).toBeLessThanOrEqual(
        floor.confidentErrorsNotTrue,
      );
      expect(p.confident.total - p.confident.true).toBeLessThanOrEqual(floor.confidentNotTrue);
      totals.errors.true += p.confidentErrors.true;
      totals.errors.total += p.confidentErrors.total;
      totals.confident.true += p.confident.true;
      totals.confident.total += p.confident.total;
      totals.series++;
    }, 600_000);
  it.skipIf(present.length < SERIES.length)('the issue bar holds over the four kernels', () => {
    expect(totals.series).toBe(SERIES.length);
    // No confident finding at all would pass vacuously: the floors above keep the true ones.
    expect(totals.confident.total).toBeGreaterThan(0);
    expect(totals.confident.true / totals.confident.total).toBeGreaterThanOrEqual(BAR.confident);
    if (totals.errors.total > 0)
      expect(totals.errors.true / totals.errors.total).toBeGreaterThanOrEqual(BAR.confidentErrors);
  });
});
