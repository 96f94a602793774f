// Keeps the behaviour-change triage honest: recomputes every change on the
// Debian kernels (5.10 -> 6.1 -> 6.12 -> sid), for fs/nfsd as a whole and for
// filecache.c in its tree (the fs/nfsd comparison, changes about filecache.c
// functions), and checks each against test/triage/changes.tsv. Fails on a
// change nobody triaged or a triaged change that no longer appears; asserts
// >= 90% true. scripts/change-triage-report.mjs prints the same figures.
import fs from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { changeKey } from '../src/core/compare/changeKey';
import type { BehaviourChange, ComparisonResult } from '../src/core/compare/compareTypes';
import { collectSources } from '../src/node/sourceFiles';
import { compareTexts } from '../src/node/revisions';
import { nodeParser } from '../src/node/wasmFiles';

const CACHE = process.env.LL_CACHE ?? path.resolve(__dirname, '../.cache/kernel');
const SERIES = ['5.10', '6.1', '6.12', 'sid'];
const TRIAGE = path.join(__dirname, 'triage/changes.tsv');
const present = SERIES.every((s) => fs.existsSync(path.join(CACHE, s, '.stamp')));
if (!present) console.log(`changeTriage.test.ts skipped: no kernel corpus at ${CACHE}`);

function side(series: string) {
  const root = path.join(CACHE, series, 'fs/nfsd');
  const { sources } = collectSources([root], { maxFileBytes: 8 << 20 });
  return {
    label: series,
    sources: sources.map((s) => ({ path: path.relative(root, s.path), text: s.text })),
  };
}

/** A change concerns filecache.c when its function or entry is defined there (either side). */
function aboutFile(r: ComparisonResult, file: string): (c: BehaviourChange) => boolean {
  const inFile = new Set(
    [...r.before.model.functions, ...r.after.model.functions]
      .filter((f) => f.file === file)
      .map((f) => f.name),
  );
  return (c) =>
    inFile.has(c.function) ||
    c.function === file ||
    (c.entry !== undefined && inFile.has(c.entry)) ||
    (c.entries ?? []).some((e) => inFile.has(e) && c.rule !== 'entry-points');
}

export interface TriageRow {
  pair: string;
  key: string;
  verdict: 'true' | 'false' | 'unsure';
  reason: string;
}

function readTriage(): TriageRow[] {
  if (!fs.existsSync(TRIAGE)) return [];
  return fs
    .readFileSync(TRIAGE, 'utf8')
    .split('\n')
    .filter((l) => l && !l.startsWith('#') && !l.startsWith('pair\t'))
    .map((l) => {
      const [pair, key, verdict, reason] = l.split('\t');
      return { pair, key, verdict: verdict as TriageRow['verdict'], reason };
    });
}

describe.skipIf(!present)('triage of behaviour changes on Debian kernels', () => {
  const current: { pair: string; key: string; title: string }[] = [];
  beforeAll(async () => {
    const parser = await nodeParser();
    for (let i = 0; i + 1 < SERIES.length; i++) {
      const [a, b] = [SERIES[i], SERIES[i + 1]];
      const r = compareTexts(side(a), side(b), { parser });
      const fc = aboutFile(r, 'filecache.c');
      for (const c of r.changes) {
        current.push({ pair: `${a}->${b}/nfsd`, key: changeKey(c), title: c.title });
        if (fc(c))
          current.push({ pair: `${a}->${b}/filecache`, key: changeKey(c), title: c.title });
      }
    }
  }, 300_000);

  it('every change is triaged, every triaged change still appears, >= 90% true', () => {
    const rows = readTriage();
    const id = (x: { pair: string; key: string }) => `${x.pair}\t${x.key}`;
    const triaged = new Map(rows.map((r) => [id(r), r]));
    const now = new Set(current.map(id));
    const untriaged = current.filter((c) => !triaged.has(id(c)));
    const disappeared = rows.filter((r) => !now.has(id(r)));
    if (process.env.LL_TRIAGE_DUMP)
      fs.writeFileSync(
        process.env.LL_TRIAGE_DUMP,
        untriaged.map((c) => `${c.pair}\t${c.key}\t?\t${c.title}`).join('\n') + '\n',
      );
    const seen = current.map((c) => triaged.get(id(c))).filter((r) => r !== undefined);
    const count = (v: string) => seen.filter((r) => r.verdict === v).length;
    const precision = seen.length ? count('true') / seen.length : 1;
    const byPair = new Map<string, string>();
    for (const p of [...new Set(current.map((c) => c.pair))]) {
      const rs = current.filter((c) => c.pair === p).map((c) => triaged.get(id(c)));
      const t = rs.filter((r) => r?.verdict === 'true').length;
      byPair.set(p, `${rs.length} changes, ${t} true`);
    }
    console.log(
      [
        `change triage: ${current.length} changes, ${count('true')} true, ${count('false')} false, ${count('unsure')} unsure, precision ${(precision * 100).toFixed(1)}%`,
        ...[...byPair].map(([p, s]) => `  ${p}: ${s}`),
        ...untriaged.map((c) => `  untriaged: ${c.pair}\t${c.key}\t(${c.title})`),
        ...disappeared.map((r) => `  disappeared: ${r.pair}\t${r.key}`),
      ].join('\n'),
    );
    expect(untriaged.map(id)).toEqual([]);
    expect(disappeared.map(id)).toEqual([]);
    expect(precision).toBeGreaterThanOrEqual(0.9);
  });
});
