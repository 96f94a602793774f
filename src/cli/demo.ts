// `lifecycle-lens demo`: the main job on the bundled sample revisions. It
// analyses the v5 design, compares v4 -> v5 -> v6 (the seed review's series),
// and applies the sample patch series to its base, as a reviewer would.
import fs from 'node:fs';
import path from 'node:path';
import { analyzeSources } from '../core/analysis/analyze';
import type { CatalogIndex } from '../core/catalog/catalog';
import { changeList, comparisonText } from '../core/reports/compareText';
import { textReport } from '../core/reports/textReport';
import { compareSeries, compareTexts } from '../node/revisions';
import { chooseJsTiering, chooseWasmTiering } from '../node/compilerTiering';
import { nodeParser } from '../node/wasmFiles';
import { EXIT, type CliArgs } from './args';
import { writeOut } from './stdio';

function fixturesDir(): string {
  const candidates = [
    path.resolve(__dirname, '../test-fixtures'),
    path.resolve(process.cwd(), 'test-fixtures'),
  ];
  const found = candidates.find((d) => fs.existsSync(path.join(d, 'designs')));
  if (!found) throw new Error('bundled sample revisions not found (test-fixtures/designs)');
  return found;
}

export async function runDemo(catalog: CatalogIndex, args: CliArgs): Promise<number> {
  const dir = fixturesDir();
  // A short run on small samples (three designs and a patched base, tens of KB).
  const sampleBytes = fs
    .readdirSync(path.join(dir, 'designs'))
    .map((d) => path.join(dir, 'designs', d, 'filecache.c'))
    .filter((f) => fs.existsSync(f))
    .reduce((n, f) => n + fs.statSync(f).size, 0);
  chooseWasmTiering(sampleBytes);
  chooseJsTiering(sampleBytes, false);
  const parser = await nodeParser([__dirname]);
  const rel = (p: string) => path.relative(process.cwd(), p);
  const design = (rev: string) => {
    const file = path.join(dir, 'designs', rev, 'filecache.c');
    return { label: rev, sources: [{ path: rel(file), text: fs.readFileSync(file, 'utf8') }] };
  };
  const say = (title: string) => writeOut(`\n${'#'.repeat(72)}\n# ${title}\n${'#'.repeat(72)}\n\n`);

  say('1. Lifecycle of struct nfsd_file in the v5 design (refcount drives teardown)');
  const v5 = design('v5-inline');
  writeOut(textReport(analyzeSources(v5.sources, { parser, catalog }), { verbose: args.verbose }));

  say('2. What changed in behaviour from v4 (sentinel + workqueue) to v5');
  writeOut(
    comparisonText(compareTexts(design('v4-sentinel'), v5, { parser, catalog }), {
      explain: args.explain,
    }),
  );

  say('3. ... and from v5 to v6 (the close handed back to the workqueue)');
  writeOut(
    comparisonText(compareTexts(v5, design('v6-deferred'), { parser, catalog }), {
      explain: args.explain,
    }),
  );

  say('4. A patch series: base + v1.mbox + v2.mbox, applied in private trees');
  const series = await compareSeries({
    parser,
    catalog,
    baseDir: path.join(dir, 'series/base'),
    mboxes: ['v1.mbox', 'v2.mbox'].map((m) => path.join(dir, 'series', m)),
  });
  for (const c of series.comparisons) writeOut(changeList(c) + '\n');
  writeOut(
    'Next: `lifecycle-lens compare --format review A B` drafts the list for the mailing list;\n' +
      '`lifecycle-lens analyze <dir>` on a kernel tree (fs/nfsd) shows the whole picture.\n',
  );
  return EXIT.ok;
}
