// The triage of every confident finding on eleven subsystems of the whole
// Debian 6.12 tree (test/triage/tree-findings.tsv, verdicts read from the C):
// code the analysis was not written against (mm, net, block, btrfs, ...), with
// the whole tree indexed, as a reviewer would run it. Fails when a confident
// finding is new and untriaged or a triaged one disappeared, and when the
// figures fall below the committed floor (unsure counts as not true).
// Skips without the whole tree (`bash scripts/fetch-corpus.sh --full 6.12`,
// part of the set-up).
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Finding } from '../src/core/model';
import { compareTriage, parseTriage, ratio } from '../src/core/reports/triage';

const CACHE = process.env.LL_CACHE ?? path.resolve(__dirname, '../.cache/kernel');
const SERIES = '6.12-full';
const TREE = path.join(CACHE, SERIES);
const TREE_SUBSYSTEMS = [
  'fs/nfsd',
  'fs/nfs',
  'fs/smb/server',
  'mm',
  'kernel/sched',
  'net/core',
  'net/ipv4',
  'fs/btrfs',
  'fs/ext4',
  'block',
  'drivers/usb/core',
];
// Built by `npm test` before vitest runs.
const CLI = path.resolve(__dirname, '../dist/cli.js');
const present = fs.existsSync(path.join(TREE, '.stamp'));
if (!present) console.log(`treeTriage.test.ts skipped: no whole 6.12 tree at ${TREE}`);
const rows = parseTriage(fs.readFileSync(path.join(__dirname, 'triage/tree-findings.tsv'), 'utf8'));

/** The confident findings (the default report) of each subsystem, with the whole tree indexed. */
function findingsOf(): Finding[] {
  const ix = spawnSync(process.execPath, [CLI, 'index', TREE, '-q'], { encoding: 'utf8' });
  if (ix.status !== 0) throw new Error(`index ${TREE} exited ${ix.status}: ${ix.stderr}`);
  const out: Finding[] = [];
  for (const sub of TREE_SUBSYSTEMS) {
    const r = spawnSync(process.execPath, [CLI, 'analyze', path.join(TREE, sub), '--json', '-q'], {
      encoding: 'utf8',
      maxBuffer: 1 << 30,
    });
    if (r.status !== 0) throw new Error(`analyze ${sub} exited ${r.status}: ${r.stderr}`);
    out.push(...(JSON.parse(r.stdout) as { model: { findings: Finding[] } }).model.findings);
  }
  return out;
}

// The figures on the committed triage: a new false confident finding, or a
// true one lost, fails until the analysis or the triage is fixed.
const FLOOR = { confidentTrue: 2, confidentNotTrue: 2 };

describe.skipIf(!present)('triage of findings on the whole 6.12 tree', () => {
  it('every confident finding triaged, the figures hold', () => {
    const c = compareTriage(SERIES, findingsOf(), TREE, rows);
    const p = c.precision;
    console.log(`tree triage: confident ${ratio(p.confident)}, errors ${ratio(p.confidentErrors)}`);
    for (const k of c.untriaged) console.log(`untriaged ${SERIES}: ${k}`);
    for (const k of c.disappeared) console.log(`disappeared ${SERIES}: ${k}`);
    expect({ untriaged: c.untriaged, disappeared: c.disappeared }).toEqual({
      untriaged: [],
      disappeared: [],
    });
    expect(p.confident.true).toBeGreaterThanOrEqual(FLOOR.confidentTrue);
    expect(p.confident.total - p.confident.true).toBeLessThanOrEqual(FLOOR.confidentNotTrue);
  }, 1_800_000);
});
