// Bundles the CLI, the library entry (dist/api.js) and the extension with esbuild and copies the .wasm files
// beside them. web-tree-sitter's CommonJS build is forced: its ESM build relies
// on import.meta.url, which a CJS bundle does not have.
import { build } from 'esbuild';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { analysisHash } from './analysisHash.mjs';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const dist = path.join(root, 'dist');
fs.mkdirSync(dist, { recursive: true });
const wtsDir = path.join(root, 'node_modules/web-tree-sitter');
const tscDir = path.join(root, 'node_modules/tree-sitter-c');

// Each `import fs from 'node:fs'` of the sources becomes, in a CJS bundle, its own
// __toESM(require('node:fs')), which copies every property of the module (about
// 50 such imports: 7-10 ms of every CLI start). One shared ESM module per
// builtin makes that copy once; importers bind to it inside the bundle.
const sharedBuiltins = {
  name: 'shared-builtins',
  setup(b) {
    b.onResolve({ filter: /^node:[a-z_]+$/ }, (a) =>
      a.namespace === 'll-builtin'
        ? { path: a.path, external: true }
        : { path: a.path.slice('node:'.length), namespace: 'll-builtin' },
    );
    b.onLoad({ filter: /.*/, namespace: 'll-builtin' }, (a) => ({
      contents: LAZY_BUILTINS.has(a.path)
        ? lazyBuiltin(a.path)
        : `import d from 'node:${a.path}';\nexport * from 'node:${a.path}';\nexport default d;\n`,
      loader: 'js',
    }));
  },
};

// Builtins most runs never use, loaded on first use instead of at start-up:
// child_process (git, b4, send-email) costs 3.7 ms to load, worker_threads
// (inputs large enough for a second thread, the index) 2.7 ms, of a 180 ms
// `analyze` of one file; crypto (hashes of cache entries and index lines) costs
// the extraction worker, which needs none, 13 ms before its first file. Their
// export names are read here, at build time; every export is a getter that
// loads the module.
const LAZY_BUILTINS = new Set(['child_process', 'worker_threads', 'crypto']);
function lazyBuiltin(name) {
  const keys = Object.keys(createRequire(import.meta.url)(`node:${name}`)).filter(
    (k) => k !== 'default',
  );
  return (
    `let m;\nconst load = () => (m ??= require('node:${name}'));\n` +
    `module.exports = {\n${keys.map((k) => `  get ${JSON.stringify(k)}() { return load()[${JSON.stringify(k)}]; },`).join('\n')}\n};\n`
  );
}

const common = {
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  sourcemap: true,
  logLevel: 'warning',
  plugins: [sharedBuiltins],
  alias: { 'web-tree-sitter': path.join(wtsDir, 'web-tree-sitter.cjs') },
  // Index records of another analysis version are stale (src/core/analysis/calleeSummary.ts).
  define: { __LL_ANALYSIS_HASH__: JSON.stringify(analysisHash(root)) },
};
const entries = [
  // The command line: a small launcher (cli.js) running the command's bundle through V8's code cache.
  { in: 'src/cli/launch.ts', out: 'cli.js' },
  { in: 'src/cli/main.ts', out: 'cliMain.js' },
  // Library bundle for in-process use by scripts/corpus.mjs and scripts/bench.mjs.
  { in: 'src/node/api.ts', out: 'api.js' },
];
if (fs.existsSync(path.join(root, 'src/extension/extension.ts')))
  entries.push({ in: 'src/extension/extension.ts', out: 'extension.js', external: ['vscode'] });
// The CLI's second thread for fact extraction.
entries.push({ in: 'src/node/extractWorker.ts', out: 'extractWorker.js' });
// The index command's worker threads.
entries.push({ in: 'src/node/index/indexWorker.ts', out: 'indexWorker.js' });
// The second thread of the index command's tree listing.
entries.push({ in: 'src/node/index/statWorker.ts', out: 'statWorker.js' });
// The MCP server (SDK, zod): loaded by the CLI only for `lifecycle-lens mcp`.
entries.push({ in: 'src/node/mcpServer.ts', out: 'mcpServer.js' });
// SMTP sending (nodemailer) is loaded by the extension only when a draft is sent.
entries.push({ in: 'src/node/smtpSend.ts', out: 'smtpSend.js' });
if (fs.existsSync(path.join(root, 'src/extension/analysisWorker.ts')))
  entries.push({ in: 'src/extension/analysisWorker.ts', out: 'analysisWorker.js' });

await Promise.all(
  entries.map((e) =>
    build({
      ...common,
      entryPoints: [path.join(root, e.in)],
      outfile: path.join(dist, e.out),
      external: e.external ?? [],
      banner: e.banner ? { js: e.banner } : undefined,
    }),
  ),
);
fs.copyFileSync(path.join(wtsDir, 'web-tree-sitter.wasm'), path.join(dist, 'web-tree-sitter.wasm'));
fs.copyFileSync(path.join(tscDir, 'tree-sitter-c.wasm'), path.join(dist, 'tree-sitter-c.wasm'));
fs.chmodSync(path.join(dist, 'cli.js'), 0o755);
if (fs.existsSync(path.join(root, 'webview/build.mjs')))
  await import(path.join(root, 'webview/build.mjs'));
