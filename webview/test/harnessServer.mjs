// A tiny static server on 127.0.0.1 for the webview harness (tests and
// scripts/bench-webview.mjs): /harness.html (with a fresh nonce), /test/* and
// /dist/webview/*. Nothing else is served.
import http from 'node:http';
import fs from 'node:fs';
import path from 'node:path';
import crypto from 'node:crypto';

const here = path.dirname(new URL(import.meta.url).pathname);
const root = path.resolve(here, '../..');
const TYPES = {
  '.js': 'text/javascript',
  '.css': 'text/css',
  '.html': 'text/html',
  '.map': 'application/json',
};

export const CHROMIUM = process.env.LL_CHROMIUM ?? '/usr/bin/chromium';
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-dev-shm-usage',
];

/** Fails loudly (never skips) when the browser or the bundle is missing. */
export function checkPrerequisites() {
  if (!fs.existsSync(CHROMIUM))
    throw new Error(
      `Chromium not found at ${CHROMIUM}. The webview tests need Debian's chromium: run ` +
        '`sudo apt-get install -y chromium` (or scripts/setup-e2e.sh, which CI runs).',
    );
  if (!fs.existsSync(path.join(root, 'dist/webview/main.js')))
    throw new Error('dist/webview/main.js is missing: run `npm run build` first.');
}

export async function launchBrowser() {
  checkPrerequisites();
  const { chromium } = await import('playwright-core');
  return chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, headless: true });
}

export function startServer() {
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const origin = `http://127.0.0.1:${server.address().port}`;
    if (url.pathname === '/harness.html') {
      const nonce = crypto.randomBytes(16).toString('base64');
      const html = fs
        .readFileSync(path.join(here, 'harness.html'), 'utf8')
        .replaceAll('{{NONCE}}', nonce)
        .replaceAll('{{ORIGIN}}', origin);
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      res.end(html);
      return;
    }
    if (url.pathname === '/favicon.ico') {
      res.writeHead(204);
      res.end();
      return;
    }
    let file;
    if (url.pathname.startsWith('/dist/webview/'))
      file = path.join(root, 'dist/webview', path.basename(url.pathname));
    else if (url.pathname.startsWith('/test/')) file = path.join(here, path.basename(url.pathname));
    if (!file || !fs.existsSync(file) || file.endsWith('.ts') || file.endsWith('.mjs')) {
      res.writeHead(404);
      res.end();
      return;
    }
    res.writeHead(200, { 'content-type': TYPES[path.extname(file)] ?? 'application/octet-stream' });
    fs.createReadStream(file).pipe(res);
  });
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      resolve({
        url: `http://127.0.0.1:${port}/harness.html`,
        close: () => new Promise((r) => server.close(r)),
      });
    });
  });
}
