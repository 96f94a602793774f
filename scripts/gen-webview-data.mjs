// Generates the webview's fixture data (webview/test-data/*.json) from the CLI:
// `analyze --json` for each design of the nfsd file cache and `compare --format
// json` for v4 -> v5 (the seed case) and v5 -> v6. Never edit the outputs by
// hand: rerun `npm run build && node scripts/gen-webview-data.mjs`.
// If the CLI has no working `compare` yet, the comparison is assembled from the
// two analyses and the hand-written change list seed-changes.hand.json (whose
// evidence chains are looked up in the analyses, not written by hand).
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import * as prettier from 'prettier';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const out = path.join(root, 'webview/test-data');
const cli = path.join(root, 'dist/cli.js');
if (!fs.existsSync(cli)) {
  console.error('dist/cli.js is missing: run `npm run build` first');
  process.exit(2);
}
const designs = { v4: 'v4-sentinel', v5: 'v5-inline', v6: 'v6-deferred' };
const fixture = (d) => `test-fixtures/designs/${d}/filecache.c`;
const run = (args) =>
  execFileSync(process.execPath, [cli, ...args], {
    cwd: root,
    encoding: 'utf8',
    maxBuffer: 64 << 20,
  });

fs.mkdirSync(out, { recursive: true });
// Written in the repo's Prettier style, so `prettier --check .` passes on generated files.
const prettierOptions = {
  ...(await prettier.resolveConfig(path.join(out, 'x.json'))),
  parser: 'json',
};
const write = async (name, value) =>
  fs.writeFileSync(
    path.join(out, name),
    await prettier.format(JSON.stringify(value), prettierOptions),
  );
const models = {};
for (const [label, dir] of Object.entries(designs)) {
  const report = JSON.parse(run(['analyze', '--json', '-q', fixture(dir)]));
  models[label] = report.model;
  await write(`${label}.model.json`, report.model);
}

function handWritten(a, b) {
  const spec =
    JSON.parse(fs.readFileSync(path.join(out, 'seed-changes.hand.json'), 'utf8'))[`${a}-${b}`] ??
    [];
  const evidence = (model, sel) => {
    if (!sel) return undefined;
    const rp = model.objects
      .flatMap((o) => o.releasePaths)
      .find(
        (p) =>
          p.entryContext === sel.entryContext && p.release === sel.release && p.mode === sel.mode,
      );
    if (!rp) throw new Error(`no release path ${JSON.stringify(sel)}`);
    return { summary: sel.summary, chain: rp.chain, at: rp.chain[0]?.at };
  };
  const changes = spec.map(({ beforePath, afterPath, ...c }) => ({
    ...c,
    before: evidence(models[a], beforePath),
    after: evidence(models[b], afterPath),
  }));
  const names = (m) => new Set(m.functions.map((f) => f.name));
  const [na, nb] = [names(models[a]), names(models[b])];
  const matches = [
    ...[...na].map((n) =>
      nb.has(n) ? { before: n, after: n, kind: 'same' } : { before: n, kind: 'removed' },
    ),
    ...[...nb].filter((n) => !na.has(n)).map((n) => ({ after: n, kind: 'added' })),
  ];
  return {
    comparisonVersion: 1,
    before: { label: a, model: models[a] },
    after: { label: b, model: models[b] },
    matches,
    changes,
  };
}

for (const [a, b] of [
  ['v4', 'v5'],
  ['v5', 'v6'],
]) {
  let comparison;
  let source = 'cli compare';
  try {
    const doc = JSON.parse(
      run(['compare', '--format', 'json', '-q', fixture(designs[a]), fixture(designs[b])]),
    );
    comparison = doc.comparison ?? doc;
    if (!Array.isArray(comparison.changes)) throw new Error('no changes array');
    comparison.before.label = a;
    comparison.after.label = b;
  } catch (err) {
    source = `hand-written changes (compare failed: ${String(err.message).split('\n')[0]})`;
    comparison = handWritten(a, b);
  }
  await write(`compare-${a}-${b}.json`, comparison);
  console.log(`compare-${a}-${b}.json: ${comparison.changes.length} changes from ${source}`);
}
console.log(`wrote ${out}`);
