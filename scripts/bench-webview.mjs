// Webview render benchmarks in headless Debian chromium (playwright-core):
//   1. first render of the filecache.c (v5) context graph after its data arrives   (target <= 300 ms)
//   2. re-render after an update (re-analysis with one more function)             (target <= 100 ms)
//   3. a 200-node synthetic context graph                                         (target <= 1000 ms)
// Times are taken inside the page with performance.now(), from the message event
// to the graph being in the DOM (layout, sanitizing, wiring, highlight). Graphviz's
// WASM is compiled when the page loads (before data arrives); the cold figure
// (data posted while it is still compiling) is printed for information.
// Usage: npm run build && node scripts/gen-webview-data.mjs && node scripts/bench-webview.mjs [--runs N]
/* global window, document, structuredClone -- page callbacks run in the browser */
import fs from 'node:fs';
import path from 'node:path';
import { launchBrowser, startServer } from '../webview/test/harnessServer.mjs';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const runs = Number(process.argv[process.argv.indexOf('--runs') + 1]) || 7;
const v5 = JSON.parse(fs.readFileSync(path.join(root, 'webview/test-data/v5.model.json'), 'utf8'));

function synthModel() {
  const file = 'synthetic.c';
  const at = (line) => ({ file, line, column: 1 });
  const span = (line) => ({ ...at(line), endLine: line + 3, endColumn: 2 });
  const contexts = ['process', 'workqueue', 'fsnotify', 'shrinker'];
  const functions = [];
  const edges = [];
  const entryPoints = [];
  const releasePaths = [];
  let line = 1;
  const fn = (name, calls = []) =>
    functions.push({
      name,
      file,
      span: span((line += 5)),
      isStatic: true,
      hasParseErrors: false,
      returnsRef: false,
      mayFinalPut: false,
      maySleep: true,
      releaseInline: [],
      releaseDeferred: [],
      contexts: [],
      annotations: [],
      calls,
    });
  for (const ctx of contexts)
    for (let e = 0; e < 6; e++) {
      const chain = [];
      for (let d = 0; d < 8; d++) {
        const name = `f_${ctx.replace('-', '_')}_${e}_${d}`;
        const last = d === 7;
        fn(
          name,
          last
            ? [
                {
                  callee: 'fput',
                  role: 'release',
                  source: 'catalog',
                  at: span(line),
                  release: 'fput',
                  locksHeld: [],
                  atomic: false,
                },
              ]
            : [],
        );
        if (!last)
          edges.push({
            caller: name,
            callee: `f_${ctx.replace('-', '_')}_${e}_${d + 1}`,
            kind: 'call',
            at: at(line),
          });
        if (d === 4 && e < 5)
          edges.push({
            caller: name,
            callee: `f_${ctx.replace('-', '_')}_${e + 1}_${d + 1}`,
            kind: 'call',
            at: at(line),
          });
        chain.push({
          function: name,
          call: last ? 'fput' : `f_${ctx}_${e}_${d + 1}`,
          at: at(line),
          via: last ? 'sink' : 'call',
        });
      }
      entryPoints.push({
        function: chain[0].function,
        context: ctx,
        reason: 'synthetic',
        at: at(1),
      });
      releasePaths.push({
        entry: chain[0].function,
        entryContext: ctx,
        runsIn: ctx,
        mode: 'inline',
        release: 'fput',
        sink: 'fput',
        viaFinalPut: false,
        chain,
      });
    }
  const objects = [
    {
      type: 'synth',
      refField: 'ref',
      refKind: 'refcount_t',
      holders: [],
      transitions: [],
      finalPutSites: [],
      initialCounts: [1],
      getters: [],
      putters: [],
      releasePaths,
    },
  ];
  return { modelVersion: 1, files: [], functions, entryPoints, edges, objects, findings: [] };
}

const server = await startServer();
const browser = await launchBrowser();

async function page() {
  const p = await browser.newPage({ viewport: { width: 1600, height: 1000 } });
  await p.goto(server.url);
  await p.waitForFunction(() => document.body.dataset.vizReady === 'true');
  return p;
}
async function post(p, msg) {
  const n = await p.evaluate(() => (window.__llRenders ?? []).length);
  await p.evaluate((m) => window.postMessage(m, '*'), msg);
  await p.waitForFunction((c) => (window.__llRenders ?? []).length > c, n, { timeout: 30_000 });
  return p.evaluate(() => window.__llRenders.at(-1));
}
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const show = (model, title) => ({ type: 'show', payload: { kind: 'model', title, model } });

const first = [];
const update = [];
const updateLayout = [];
const synth = [];
let firstInfo;
let synthInfo;
const v5b = structuredClone(v5);
v5b.functions.push({ ...v5b.functions[0], name: 'nfsd_file_bench_extra' });
v5b.edges.push({
  caller: 'nfsd_file_close_inode',
  callee: 'nfsd_file_bench_extra',
  kind: 'call',
  at: v5b.edges[0].at,
});
for (let i = 0; i < runs; i++) {
  const p = await page();
  firstInfo = await post(p, show(v5, 'v5'));
  first.push(firstInfo.ms);
  const u = await post(p, {
    type: 'update',
    payload: { kind: 'model', title: 'v5', model: i % 2 ? v5 : v5b },
  });
  update.push(u.ms);
  updateLayout.push(u.layoutMs);
  await p.close();
  const q = await page();
  synthInfo = await post(q, show(synthModel(), 'synthetic'));
  synth.push(synthInfo.ms);
  await q.close();
}
// Cold: data posted right after load, while Graphviz is still compiling.
const cold = await browser.newPage();
await cold.goto(server.url);
const coldInfo = await post(cold, show(v5, 'v5'));
await cold.close();

const row = (name, ms, target, info) =>
  console.log(
    `${name.padEnd(46)} ${ms.toFixed(1).padStart(7)} ms   target ${String(target).padStart(4)} ms   ratio ${(ms / target).toFixed(2)}   ${info}`,
  );
console.log(`webview render benchmarks (headless chromium, median of ${runs})`);
row(
  'first render, filecache.c v5 context graph',
  median(first),
  300,
  `${firstInfo.nodes} nodes, ${firstInfo.edges} edges`,
);
row(
  're-render after update',
  median(update),
  100,
  `new model; Graphviz layout ${median(updateLayout).toFixed(1)} ms of it`,
);
row(
  '200-node synthetic context graph',
  median(synth),
  1000,
  `${synthInfo.nodes} nodes, ${synthInfo.edges} edges`,
);
console.log(`(info) cold first render incl. Graphviz WASM compile: ${coldInfo.ms.toFixed(1)} ms`);
await browser.close();
await server.close();
