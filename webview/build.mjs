// Bundles the graph webview (browser IIFE) into dist/webview/: main.js (with
// Graphviz's WASM embedded by @viz-js/viz) and main.css. Imported by
// scripts/build.mjs; also runnable alone: `node webview/build.mjs`.
import { build } from 'esbuild';
import fs from 'node:fs';
import path from 'node:path';

const here = path.dirname(new URL(import.meta.url).pathname);
const root = path.resolve(here, '..');
const outdir = path.join(root, 'dist/webview');
fs.mkdirSync(outdir, { recursive: true });

await build({
  entryPoints: { main: path.join(here, 'src/main.ts') },
  outdir,
  bundle: true,
  platform: 'browser',
  format: 'iife',
  target: ['chrome120'],
  minify: true,
  sourcemap: 'linked',
  legalComments: 'none',
  logLevel: 'warning',
});
fs.copyFileSync(path.join(here, 'src/main.css'), path.join(outdir, 'main.css'));
