// Extension benchmarks (figures printed). Run after `npm run build`.
//  1. activation: require(dist/extension.js) + activate() in-process against a
//     minimal vscode stub (a catch-all Proxy); the first command is usable when
//     activate() returns (commands are registered synchronously; the parser and
//     the index start later, in the worker).
//  2. background index: cold worker (thread start + wasm parser load) analysing
//     every .c/.h of Debian's fs/nfsd (.cache/kernel/6.12/fs/nfsd), files read
//     from disk and posted in, as the extension does.
//  3. edit -> diagnostics: with that index cached, edits of filecache.c go to the
//     worker as the extension sends them: the text to extract 100 ms into the
//     pause in typing, the analysis request when the 300 ms debounce ends. From
//     that request the worker re-analyses the whole program (reusing the results
//     of unchanged functions) and posts the findings, from which the
//     Problems-panel records are computed (checked against the 100 ms limit);
//     the model for CodeLens and hovers follows. Median of 20 edits; the same
//     without the pre-extraction is printed too.
//  2 and 3 run WITH the index of the kernel tree the files sit in
//  (.cache/kernel/6.12), as the editor uses it for callees outside the folder:
//  built or refreshed (only changed files) before the clock starts, in
//  BENCH_EXTENSION_CACHE (default .cache/bench/tree-index).
import fs from 'node:fs';
import Module from 'node:module';
import path from 'node:path';
import { createRequire } from 'node:module';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const require = createRequire(import.meta.url);
const limits = { activationMs: 50, editMs: 100, indexMs: 3000 };
const results = {};

// ---- 1. activation --------------------------------------------------------------------
{
  const any = new Proxy(function () {}, {
    set: () => true,
    defineProperty: () => true,
    get: (_t, p) => (p === 'then' ? undefined : p === Symbol.toPrimitive ? () => '' : any),
    apply: () => any,
    construct: () => any,
  });
  class EventEmitter {
    event = () => ({ dispose() {} });
    fire() {}
    dispose() {}
  }
  const registered = [];
  // Real keys: esbuild's ESM interop copies the module's own properties.
  const names = [
    'window',
    'languages',
    'env',
    'extensions',
    'DiagnosticSeverity',
    'StatusBarAlignment',
    'ProgressLocation',
    'ThemeColor',
    'ThemeIcon',
    'OverviewRulerLane',
    'TreeItemCollapsibleState',
    'Uri',
    'Range',
    'Position',
    'Selection',
    'Diagnostic',
    'DiagnosticRelatedInformation',
    'Location',
    'CodeLens',
    'Hover',
    'MarkdownString',
    'TreeItem',
    'RelativePattern',
    'FileType',
    'TextEditorRevealType',
    'Disposable',
  ];
  const vscodeStub = new Proxy(
    {
      ...Object.fromEntries(names.map((n) => [n, any])),
      EventEmitter,
      commands: new Proxy(
        {},
        {
          get: (_t, p) =>
            p === 'registerCommand' ? (id) => (registered.push(id), { dispose() {} }) : any,
        },
      ),
      workspace: new Proxy(
        { isTrusted: true, workspaceFolders: [] },
        { get: (t, p) => (p in t ? t[p] : any) },
      ),
    },
    { get: (t, p) => (p in t ? t[p] : any) },
  );
  const origLoad = Module._load;
  Module._load = function (request, ...rest) {
    return request === 'vscode' ? vscodeStub : origLoad.call(this, request, ...rest);
  };
  const realSetTimeout = globalThis.setTimeout;
  globalThis.setTimeout = () => 0; // the deferred start (index, worker) is not part of activation
  // activate() reads the extension's own manifest (context.extension.packageJSON).
  const packageJSON = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));
  const t0 = performance.now();
  const ext = require(path.join(root, 'dist/extension.js'));
  const t1 = performance.now();
  ext.activate({
    subscriptions: [],
    extensionPath: root,
    extension: { packageJSON },
  });
  const t2 = performance.now();
  globalThis.setTimeout = realSetTimeout;
  Module._load = origLoad;
  results.activation = {
    requireMs: t1 - t0,
    activateMs: t2 - t1,
    totalMs: t2 - t0,
    commands: registered.length,
  };
  console.log(
    `activation: require ${(t1 - t0).toFixed(1)} ms + activate() ${(t2 - t1).toFixed(1)} ms = ${(t2 - t0).toFixed(1)} ms ` +
      `(limit ${limits.activationMs} ms; ${registered.length} commands registered when activate() returns)`,
  );
}

// ---- 2 + 3. index and incremental edit, through the real worker --------------------------
// The vscode-free host side (AnalysisClient, diagnostics records), bundled like the extension.
const benchBundle = path.join(root, '.cache/bench/benchClient.js');
const { build } = await import('esbuild');
await build({
  entryPoints: [path.join(root, 'src/extension/benchEntry.ts')],
  outfile: benchBundle,
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  logLevel: 'warning',
});
const { AnalysisClient, findingDiagnostics, fileNotes, ModelView } = require(benchBundle);
const nfsd = path.join(root, '.cache/kernel/6.12/fs/nfsd');
if (!fs.existsSync(nfsd)) {
  console.log(`background index / edit: skipped (${nfsd} missing: run scripts/fetch-corpus.sh)`);
} else {
  // This machine's speed varies by up to 2x over minutes (shared cores): a fixed
  // piece of work measured in the same run says how fast it was running.
  const api = require(path.join(root, 'dist/api.js'));
  const parser = await api.nodeParser([path.join(root, 'dist')]);
  const fcText = fs.readFileSync(path.join(nfsd, 'filecache.c'), 'utf8');
  const parses = [];
  for (let i = 0; i < 21; i++) {
    const t = performance.now();
    parser.parse(fcText).delete();
    parses.push(performance.now() - t);
  }
  parses.sort((a, b) => a - b);
  results.calibration = { bareParseMs: parses[10] };
  console.log(
    `calibration: a bare tree-sitter parse of 6.12 filecache.c takes ${parses[10].toFixed(1)} ms in this run (median of 21)`,
  );
  const tree = path.dirname(path.dirname(nfsd));
  const indexCache =
    process.env.BENCH_EXTENSION_CACHE ?? path.join(root, '.cache/bench/tree-index');
  const ti = performance.now();
  const built = await api.buildIndex({
    root: tree,
    cacheDir: indexCache,
    catalog: new api.CatalogIndex(api.builtinCatalog),
    wasmDirs: [path.join(root, 'dist')],
    workerScript: path.join(root, 'dist/indexWorker.js'),
  });
  results.treeIndex = { ...built, wallMs: performance.now() - ti };
  console.log(
    `tree index of ${path.relative(root, tree)} (not timed below): ${built.files} files, ${built.indexed} indexed, ` +
      `${built.reused} unchanged, ${built.functions} functions, in ${(results.treeIndex.wallMs / 1000).toFixed(1)} s`,
  );
  const files = fs
    .readdirSync(nfsd)
    .filter((f) => /\.[ch]$/.test(f))
    .sort();
  const t0 = performance.now();
  const client = new AnalysisClient(path.join(root, 'dist/analysisWorker.js'));
  await client.configure([], 2 * 1024 * 1024, { cacheDir: indexCache });
  const sources = await Promise.all(
    files.map(async (f) => ({
      path: path.join(nfsd, f),
      text: await fs.promises.readFile(path.join(nfsd, f), 'utf8'),
    })),
  );
  const first = await client.analyze(sources, []);
  const t1 = performance.now();
  const cFiles = files.filter((f) => f.endsWith('.c')).length;
  results.index = { ms: t1 - t0, files: files.length, cFiles, timings: first.timings };
  for (const c of first.timings.callees ?? []) console.log(`  ${c}`);
  console.log(
    `background index: ${files.length} files (${cFiles} .c) of fs/nfsd in ${(t1 - t0).toFixed(0)} ms ` +
      `(worker start + parser ${first.timings.parserLoadMs?.toFixed(0)} ms, extract ${first.timings.extractMs.toFixed(0)} ms, ` +
      `program ${first.timings.analyzeMs.toFixed(0)} ms; ${first.model.functions.length} functions) (limit ${limits.indexMs} ms)`,
  );

  const fc = sources.find((s) => s.path.endsWith('/filecache.c'));
  const EDIT_ANCHOR = '\tspin_lock(&nfsd_gc_lock);';
  if (!fc.text.includes(EDIT_ANCHOR))
    throw new Error(`filecache.c has no "${EDIT_ANCHOR}" to edit`);
  const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  const max = (xs) => Math.max(...xs);
  const p90 = (xs) => [...xs].sort((a, b) => a - b)[Math.ceil(xs.length * 0.9) - 1];
  // One edit as the extension handles it: typing pauses, the worker extracts the
  // text after PREFETCH_MS (unless `prefetch` is off), the debounce ends
  // (lifecycleLens.debounceMs, 300 ms), the analysis request goes out: the clock
  // starts there, when the edit has settled.
  const edit = async (i, prefetch) => {
    // Typing inside one function (nfsd_file_gc(), mid-file) without a new line: the
    // whole file is re-extracted; the other functions' facts are unchanged.
    const edited = {
      path: fc.path,
      text: fc.text.replace(EDIT_ANCHOR, `${EDIT_ANCHOR} ${i % 2 ? 'barrier' : 'cpu_relax'}();`),
    };
    await new Promise((r) => setTimeout(r, 100));
    if (prefetch) client.prefetch([edited]);
    await new Promise((r) => setTimeout(r, 200));
    const t = performance.now();
    let diags;
    let diagnosticsMs;
    let partial = false;
    const r = await client.analyze([edited], [], {
      onPartial: () => (partial = true),
      onFindings: (f) => {
        diags = [...findingDiagnostics(f.findings), ...fileNotes({ files: f.reports })];
        diagnosticsMs = performance.now() - t;
      },
    });
    new ModelView(r.model); // what CodeLens, hover and the Lifecycle view use
    const full = [...findingDiagnostics(r.model.findings), ...fileNotes(r.model)];
    if (JSON.stringify(diags) !== JSON.stringify(full))
      throw new Error('early diagnostics differ from those of the model');
    return {
      diagnosticsMs,
      modelMs: performance.now() - t,
      extractMs: r.timings.extractMs,
      extracted: r.timings.extracted,
      partial,
      diagnostics: diags.length,
    };
  };
  const series = async (n, prefetch) => {
    const runs = [];
    for (let i = 0; i < n; i++) runs.push(await edit(i, prefetch));
    const first = runs.shift(); // reported apart: the first edit after the index
    const of = (k) => runs.map((x) => x[k]);
    return { runs, of, first };
  };
  // Typing starts a second after the index is done; the worker warms up in between.
  await new Promise((r) => setTimeout(r, 1000));
  const main = await series(21, true);
  const plain = await series(11, false);
  const diagMs = main.of('diagnosticsMs');
  results.edit = {
    diagnosticsMedianMs: median(diagMs),
    diagnosticsP90Ms: p90(diagMs),
    diagnosticsMaxMs: max(diagMs),
    modelMedianMs: median(main.of('modelMs')),
    reextractedAtSettle: main.of('extracted').reduce((a, b) => a + b, 0),
    withoutPrefetchMedianMs: median(plain.of('diagnosticsMs')),
    withoutPrefetchExtractMedianMs: median(plain.of('extractMs')),
    firstEditMs: main.first.diagnosticsMs,
    partials: main.of('partial').filter(Boolean).length,
    diagnostics: main.runs[0].diagnostics,
  };
  const e = results.edit;
  console.log(
    `edit -> updated diagnostics (whole program, ${e.diagnostics} diagnostics): filecache.c (${(fc.text.length / 1024).toFixed(0)} KiB) ` +
      `in the ${files.length}-file program, ${diagMs.length} edits, clock from the end of the 300 ms debounce: ` +
      `median ${e.diagnosticsMedianMs.toFixed(1)} ms, p90 ${e.diagnosticsP90Ms.toFixed(1)} ms, max ${e.diagnosticsMaxMs.toFixed(1)} ms ` +
      `(limit ${limits.editMs} ms; the text was extracted while the debounce ran, ${e.reextractedAtSettle} files left to extract at the end); ` +
      `the first edit after the index, not counted: ${e.firstEditMs.toFixed(1)} ms`,
  );
  console.log(
    `  without that pre-extraction: median ${e.withoutPrefetchMedianMs.toFixed(1)} ms (re-extracting filecache.c: ${e.withoutPrefetchExtractMedianMs.toFixed(1)} ms); ` +
      `then the model (CodeLens, hover, views): median ${e.modelMedianMs.toFixed(1)} ms; ` +
      `quick partial findings first in ${e.partials} edits (only when the program analysis is slow)`,
  );
  await client.stop();
}

console.log(
  `load average while measuring: ${(await import('node:os'))
    .loadavg()
    .map((x) => x.toFixed(1))
    .join(' ')} on ${(await import('node:os')).cpus().length} CPUs`,
);
const fail =
  results.activation.totalMs > limits.activationMs ||
  (results.index && results.index.ms > limits.indexMs) ||
  (results.edit && results.edit.diagnosticsMedianMs > limits.editMs);
console.log(`BENCH_EXTENSION ${JSON.stringify(results)}`);
console.log(fail ? 'bench-extension: OVER A LIMIT' : 'bench-extension: all within limits');
process.exitCode = fail ? 1 : 0;
