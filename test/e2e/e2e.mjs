// Lifecycle Lens E2E in code-server's workbench (playwright-core + Debian chromium).
// Checks: Problems panel entries, CodeLens on nfsd_file_close_inode, the Lifecycle view,
// bad input (20 MB / binary / broken .c) reported and the editor responsive, a two-file
// compare (diff editor decorations + Behaviour changes view), the graph webview.
// Env: CS_URL, WS_DIR, SHOT_DIR, PW_CORE, CHROMIUM, CS_PID, VSIX_BYTES.
// Last line: E2E_RESULT {json}.
/* global document, window, getComputedStyle -- page.evaluate callbacks run in the browser */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const { chromium } = require(process.env.PW_CORE);
const CS_URL = process.env.CS_URL;
const WS_DIR = process.env.WS_DIR;
const SHOT_DIR = process.env.SHOT_DIR;
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
fs.mkdirSync(SHOT_DIR, { recursive: true });
const PROFILE = fs.mkdtempSync(path.join(os.tmpdir(), 'chrome-profile-'));

const t0 = Date.now();
const marks = {};
const checks = {};
const mark = (k) => {
  marks[k] = Date.now() - t0;
  console.log(`[t+${String(marks[k]).padStart(6)}ms] ${k}`);
};
const check = (name, ok, detail) => {
  checks[name] = { ok: !!ok, detail };
  console.log(
    `  ${ok ? 'PASS' : 'FAIL'} ${name}: ${typeof detail === 'string' ? detail : JSON.stringify(detail)}`,
  );
  if (!ok) throw new Error(`check failed: ${name}`);
};

const context = await chromium.launchPersistentContext(PROFILE, {
  executablePath: CHROMIUM,
  headless: true,
  viewport: { width: 1500, height: 900 },
  args: [
    '--headless',
    '--no-sandbox',
    '--disable-gpu',
    '--disable-quic',
    '--no-first-run',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
    '--disable-dev-shm-usage',
  ],
});
const page = context.pages()[0] || (await context.newPage());
const extHost = [];
page.on('console', (m) => {
  const t = m.text();
  if (t.includes('[Extension Host]')) extHost.push(t.replace(/%c/g, '').slice(0, 300));
});
const shot = async (name) => {
  const p = path.join(SHOT_DIR, `${name}.png`);
  await page.screenshot({ path: p });
  return p;
};
const qi = page.locator('.quick-input-widget');

async function palette(title) {
  for (let attempt = 1; ; attempt++) {
    await page.keyboard.press('F1');
    await qi.waitFor({ state: 'visible', timeout: 15000 });
    await page.keyboard.insertText(title);
    try {
      await qi
        .locator('.quick-input-list .monaco-list-row', { hasText: title })
        .first()
        .waitFor({ timeout: 3000 });
      break;
    } catch (e) {
      if (attempt >= 12) throw e;
      await page.keyboard.press('Escape');
      await page.waitForTimeout(1000);
    }
  }
  await page.keyboard.press('Enter');
}

async function quickOpen(rel) {
  await page.keyboard.press('Control+P');
  await qi.waitFor({ state: 'visible', timeout: 15000 });
  await page.keyboard.insertText(rel);
  const base = path.basename(rel);
  await qi
    .locator('.quick-input-list .monaco-list-row', { hasText: base })
    .first()
    .waitFor({ timeout: 20000 });
  await page.keyboard.press('Enter');
  await page
    .locator(`.tabs-container .tab[aria-label*="${base}"]`)
    .first()
    .waitFor({ timeout: 20000 });
}

async function gotoLine(n) {
  await page.keyboard.press('Control+G');
  await qi.waitFor({ state: 'visible', timeout: 10000 });
  await page.keyboard.insertText(String(n));
  await qi
    .locator('.quick-input-list .monaco-list-row', { hasText: String(n) })
    .first()
    .waitFor({ timeout: 10000 })
    .catch(() => {});
  await page.waitForTimeout(200);
  await page.keyboard.press('Enter');
  await qi.waitFor({ state: 'hidden', timeout: 5000 }).catch(() => page.keyboard.press('Escape'));
}

async function pickInQuickInput(title, text) {
  // Wait for *this* quick pick (the palette closing is a quick input too), then type into it.
  await qi.locator('.quick-input-title', { hasText: title }).first().waitFor({ timeout: 30000 });
  await qi.locator('.quick-input-box input').first().fill(text);
  // Enter picks the focused row: wait until filtering has put the wanted one there.
  await qi
    .locator('.quick-input-list .monaco-list-row.focused', { hasText: text })
    .first()
    .waitFor({ timeout: 15000 });
  await page.keyboard.press('Enter');
}

async function poll(fn, timeoutMs, what) {
  const end = Date.now() + timeoutMs;
  let last;
  while (Date.now() < end) {
    last = await fn().catch((e) => ({ error: String(e) }));
    if (last && !last.error && last.ok) return last;
    await page.waitForTimeout(300);
  }
  throw new Error(`timed out waiting for ${what}: ${JSON.stringify(last)?.slice(0, 500)}`);
}

const paneRows = (title) =>
  page.evaluate((title) => {
    const panes = [...document.querySelectorAll('.pane')];
    const pane = panes.find((p) =>
      p.querySelector('.pane-header')?.textContent?.toLowerCase().includes(title.toLowerCase()),
    );
    if (!pane) return { ok: false, rows: [], why: 'no pane' };
    const rows = [...pane.querySelectorAll('.monaco-list-row')].map((r) => r.textContent.trim());
    return { ok: rows.length > 0, rows };
  }, title);

let ok = false;
let error;
try {
  await page.goto(`${CS_URL}/?folder=${encodeURIComponent(WS_DIR)}`, {
    waitUntil: 'domcontentloaded',
  });
  await page.locator('.monaco-workbench').waitFor({ timeout: 60000 });
  await page
    .locator('.explorer-folders-view .monaco-list-row[aria-label*="primitives"]')
    .first()
    .waitFor({ timeout: 60000 });
  mark('workbench ready');

  // --- CodeLens on nfsd_file_close_inode --------------------------------------------------
  await quickOpen('fs/nfsd/filecache.c');
  mark('filecache.c open');
  const closeLine =
    fs
      .readFileSync(path.join(WS_DIR, 'fs/nfsd/filecache.c'), 'utf8')
      .split('\n')
      .findIndex((l) =>
        /^nfsd_file_close_inode\(|^(static )?void\s+nfsd_file_close_inode\(/.test(l),
      ) + 1;
  await gotoLine(closeLine + 8);
  const lens = await poll(
    () =>
      page.evaluate(() => {
        const lines = [...document.querySelectorAll('.monaco-editor .view-line')];
        const target = lines.find((l) =>
          /nfsd_file_close_inode\(struct\s+inode/.test(l.textContent.replace(/\u00a0/g, ' ')),
        );
        if (!target) return { ok: false, why: 'line not rendered' };
        const top = target.getBoundingClientRect().top;
        const lenses = [...document.querySelectorAll('.monaco-editor .codelens-decoration')]
          .filter((e) => {
            const r = e.getBoundingClientRect();
            return r.top < top && r.top > top - 80;
          })
          .map((e) => e.textContent.trim());
        const text = lenses.join(' | ');
        return { ok: /fsync/.test(text) && /fsnotify/.test(text), lenses };
      }),
    90000,
    'CodeLens on nfsd_file_close_inode',
  );
  mark('CodeLens shown');
  check('codelens: nfsd_file_close_inode final close runs fsync in fsnotify', true, lens.lenses);
  await shot('01-codelens');

  // --- Hover on the classified call ---------------------------------------------------------
  const hover = await poll(
    async () => {
      const tok = page
        .locator('.monaco-editor .view-line span', { hasText: /^nfsd_file_put$/ })
        .first();
      await tok.hover();
      await page.waitForTimeout(1200);
      const t = await page
        .locator('.monaco-hover')
        .first()
        .textContent({ timeout: 1000 })
        .catch(() => '');
      return { ok: /Lifecycle Lens/.test(t) && /reference put/.test(t), text: t.slice(0, 300) };
    },
    30000,
    'hover',
  );
  check(
    'hover: put classified with pairing and contexts',
    /contexts reaching/.test(hover.text),
    hover.text,
  );
  await shot('02-hover');
  await page.keyboard.press('Escape');

  // --- Problems panel ------------------------------------------------------------------------
  await page.keyboard.press('Control+Shift+M');
  // The Problems list is virtualised (only visible rows are in the DOM): filter it per check.
  const problemRows = async (filter, re) => {
    const box = page
      .locator('.part.panel .viewpane-filter input, .part.panel .viewpane-filter textarea')
      .first();
    await box.waitFor({ timeout: 15000 });
    await box.fill(filter);
    return poll(
      () =>
        page.evaluate((src) => {
          const rows = [...document.querySelectorAll('.markers-panel .monaco-list-row')].map((r) =>
            r.textContent.replace(/\u00a0/g, ' ').trim(),
          );
          return { ok: new RegExp(src).test(rows.join('\n')), rows };
        }, re.source),
      90000,
      `Problems panel rows for "${filter}"`,
    );
  };
  const sleep = await problemRows('may sleep', /may sleep.*sleep-in-atomic/);
  check(
    'problems: sleep-in-atomic finding with its path',
    sleep.rows.some((r) => /calls/.test(r)),
    sleep.rows.slice(0, 4),
  );
  const cond = await problemRows(
    'refcount_inc_not_zero',
    /refcount_inc_not_zero.*unchecked-conditional-get/,
  );
  check('problems: unchecked-conditional-get finding', true, cond.rows.slice(0, 2));
  const skipped = await problemRows('skipped this file', /binary[\s\S]*MiB|MiB[\s\S]*binary/);
  check(
    'problems: skipped files explained on line 1 (20 MB, binary)',
    true,
    skipped.rows.filter((r) => /skipped/.test(r)),
  );
  await shot('03-problems');
  const inlineRelease = await problemRows(
    'borrowed',
    /nfsd_file_fsnotify_handle_event.*fsnotify.*fsync.*inline-release-in-callback/,
  );
  check(
    'problems: information for fsync run inline in the fsnotify callback (sample v5)',
    true,
    inlineRelease.rows.filter((r) => /inline-release/.test(r)).slice(0, 2),
  );
  await shot('03c-inline-release');
  await problemRows('', /./);
  const status = await page
    .locator('.statusbar-item', { hasText: 'Lifecycle' })
    .first()
    .textContent();
  check('status bar: says files were skipped', /skipped/.test(status), status.trim());
  mark('problems checked');

  // --- Lifecycle view ------------------------------------------------------------------------
  await palette('Lifecycle Lens: Focus on Lifecycle View');
  const tree = await poll(
    async () => {
      const r = await paneRows('Lifecycle');
      const t = r.rows.join('\n');
      return {
        ok: /nfsd_file/.test(t) && /Final-put sites/.test(t) && /nfsd_file_put\(\)/.test(t),
        rows: r.rows,
      };
    },
    30000,
    'Lifecycle view',
  );
  check('lifecycle view: nfsd_file and its final-put sites', true, tree.rows.slice(0, 8));
  // Clicking a site reveals the code.
  await page.locator('.pane .monaco-list-row', { hasText: 'nfsd_file_lru_cb()' }).first().click();
  const revealed = await poll(
    () =>
      page.evaluate(() => ({
        ok: [...document.querySelectorAll('.monaco-editor .view-line')].some((l) =>
          /nfsd_file_lru_cb\(/.test(l.textContent),
        ),
      })),
    15000,
    'reveal from Lifecycle view',
  );
  check(
    'lifecycle view: click reveals the final-put site',
    revealed.ok,
    'nfsd_file_lru_cb visible',
  );
  await shot('04-lifecycle-view');
  mark('lifecycle view checked');

  // --- Bad input: open the 20 MB file; the editor must stay responsive ------------------------
  const tBig = Date.now();
  await quickOpen('bad/huge.c');
  await palette('Lifecycle Lens: Show Log');
  await page.locator('.part.panel', { hasText: 'skipped' }).first().waitFor({ timeout: 30000 });
  check(
    'bad input: 20 MB file opened, editor responsive, log says skipped',
    true,
    `${Date.now() - tBig} ms to open it and run a command`,
  );
  await shot('05-huge-file');

  // --- Compare two files: v4-sentinel vs v5-inline --------------------------------------------
  await quickOpen('fs/nfsd/filecache.c');
  await palette('Lifecycle Lens: Compare Two Files');
  await pickInQuickInput('pick the BEFORE file', 'compare/v4-sentinel/filecache.c');
  await pickInQuickInput('Pick the AFTER file', 'fs/nfsd/filecache.c');
  await page.locator('.monaco-diff-editor').first().waitFor({ timeout: 60000 });
  mark('diff editor open');
  const deco = await poll(
    () =>
      page.evaluate(() => {
        const found = [];
        for (const e of document.querySelectorAll(
          '.monaco-diff-editor .view-lines span, .monaco-diff-editor .view-overlays div',
        )) {
          const after = getComputedStyle(e, '::after').content;
          const txt = after && after !== 'none' && after !== 'normal' ? after : e.textContent;
          if (txt && txt.includes('◀')) found.push(txt.replace(/^"|"$/g, '').slice(0, 120));
        }
        const sides = [
          ...document.querySelectorAll(
            '.monaco-diff-editor .editor.original, .monaco-diff-editor .editor.modified',
          ),
        ].map((s) =>
          [...s.querySelectorAll('span, div')].some((e) => {
            const a = getComputedStyle(e, '::after').content;
            return (a && a.includes('◀')) || e.textContent.startsWith('◀');
          }),
        );
        return { ok: found.length > 0, found: [...new Set(found)].slice(0, 6), sides };
      }),
    60000,
    'change decorations in the diff editor',
  );
  check(
    'compare: behaviour changes decorated in the diff editor',
    deco.found.some((t) => /LL\d/.test(t)),
    deco,
  );
  const changes = await poll(
    async () => {
      const r = await paneRows('Behaviour changes');
      return { ok: r.rows.some((x) => /LL\d/.test(x)), rows: r.rows };
    },
    30000,
    'Behaviour changes view',
  );
  check(
    'compare: Behaviour changes view lists the changes',
    changes.rows.some((r) => /LL1/.test(r) && /fsnotify|inline|context/i.test(r)),
    changes.rows.slice(0, 8),
  );
  await shot('06-compare');
  mark('compare checked');

  // --- Graph webview ---------------------------------------------------------------------------
  await palette('Lifecycle Lens: Open Lifecycle Graph');
  const graph = await poll(
    async () => {
      for (const f of page.frames()) {
        if (f === page.mainFrame()) continue;
        const n = await f
          .evaluate(() => document.querySelectorAll('#app svg.graph-svg, #app svg').length)
          .catch(() => 0);
        if (n > 0) {
          const vis = await f
            .locator('#app svg')
            .first()
            .isVisible()
            .catch(() => false);
          return { ok: vis, svgs: n };
        }
      }
      return { ok: false };
    },
    60000,
    'graph webview',
  );
  check('graph: webview shows the graph', graph.ok, graph);
  await page.waitForTimeout(500);
  // Readable at the default layout, measured on the DOM: node label text at least 10 px high
  // (VS Code's own smallest UI text is 11 px; below 10 px labels are unreadable) and node boxes
  // at least 60 px wide (room for a short function name); the pane header's title and counts
  // do not overlap; cluster (lane) labels stay inside their box.
  const layout = await poll(
    async () => {
      for (const f of page.frames()) {
        if (f === page.mainFrame()) continue;
        const m = await f
          .evaluate(() => {
            const nodes = [...document.querySelectorAll('#app svg g.node')];
            if (!nodes.length) return undefined;
            const textH = [];
            const boxW = [];
            for (const g of nodes) {
              const t = g.querySelector('text');
              const shape = g.querySelector('polygon, path, ellipse, rect');
              if (t) textH.push(t.getBoundingClientRect().height);
              if (shape) boxW.push(shape.getBoundingClientRect().width);
            }
            const overlaps = [...document.querySelectorAll('.pane-head')].filter((h) => {
              const a = h.querySelector('h2')?.getBoundingClientRect();
              const b = h.querySelector('.counts')?.getBoundingClientRect();
              return (
                a &&
                b &&
                a.left < b.right &&
                b.left < a.right &&
                a.top < b.bottom &&
                b.top < a.bottom
              );
            }).length;
            const overflowing = [...document.querySelectorAll('#app svg g.cluster')].filter((c) => {
              const box = c.querySelector('path, polygon')?.getBoundingClientRect();
              return [...c.querySelectorAll(':scope > text')].some((t) => {
                const r = t.getBoundingClientRect();
                return box && (r.right > box.right + 1 || r.left < box.left - 1);
              });
            }).length;
            return {
              nodes: nodes.length,
              minTextPx: Math.min(...textH),
              minBoxPx: Math.min(...boxW),
              headerOverlaps: overlaps,
              overflowingLaneLabels: overflowing,
              viewport: [window.innerWidth, window.innerHeight],
            };
          })
          .catch(() => undefined);
        if (m) return { ok: true, ...m };
      }
      return { ok: false };
    },
    30000,
    'graph node boxes',
  );
  await shot('07-graph');
  check(
    'graph: node text >= 10 px, boxes >= 60 px wide, no header overlap, lane labels inside',
    layout.minTextPx >= 10 &&
      layout.minBoxPx >= 60 &&
      layout.headerOverlaps === 0 &&
      layout.overflowingLaneLabels === 0,
    layout,
  );
  mark('graph checked');

  // --- One click focuses the graphs on the seed change -------------------------------------
  const graphFrame = async () => {
    for (const f of page.frames()) {
      if (f === page.mainFrame()) continue;
      const n = await f.evaluate(() => document.querySelectorAll('#app svg').length).catch(() => 0);
      if (n > 0) return f;
    }
    throw new Error('graph webview frame not found');
  };
  const gf = await graphFrame();
  const seedIdx = await gf.evaluate(() => {
    const b = [...document.querySelectorAll('button.change')].find((x) =>
      /LL1[\s\S]*nfsd_file_close_inode[\s\S]*inline in fsnotify/.test(x.textContent),
    );
    return b ? b.getAttribute('data-index') : null;
  });
  if (seedIdx === null) throw new Error('seed change not in the graph change list');
  const rendersBefore = await gf.evaluate(() => Number(document.body.dataset.renders ?? 0));
  await gf.click(`#focus-${seedIdx}`);
  await gf.waitForFunction((n) => Number(document.body.dataset.renders ?? 0) > n, rendersBefore, {
    timeout: 30000,
  });
  await page.waitForTimeout(300);
  const focused = await gf.evaluate(() => {
    const pane = (k) =>
      [...document.querySelectorAll(`section[data-pane="${k}"] svg g.node`)].map((g) => ({
        label: g.querySelector('text')?.textContent?.trim() ?? '',
        evidence: g.classList.contains('evidence'),
        textPx: g.querySelector('text')?.getBoundingClientRect().height ?? 0,
        boxPx: g.querySelector('polygon, path, ellipse')?.getBoundingClientRect().width ?? 0,
      }));
    const a = pane('a');
    const b = pane('b');
    const all = [...a, ...b];
    return {
      before: a.map((n) => n.label).sort(),
      after: b.map((n) => n.label).sort(),
      allEvidence: all.every((n) => n.evidence),
      minTextPx: Math.min(...all.map((n) => n.textPx)),
      minBoxPx: Math.min(...all.map((n) => n.boxPx)),
      counts: [...document.querySelectorAll('.pane-head .counts')].map((c) => c.textContent),
      showAll: !!document.getElementById('show-all'),
    };
  });
  // Scroll the v5 graph into view for the screenshot (narrow column: panes stack).
  await gf.evaluate(() =>
    document.querySelector('section[data-pane="b"]')?.scrollIntoView({ block: 'start' }),
  );
  await page.waitForTimeout(200);
  // Scrolled to, the focused v5 graph is whole in the panel (fitted, no inner scrolling).
  focused.v5Whole = await gf.evaluate(() =>
    [...document.querySelectorAll('section[data-pane="b"] svg g.node')].every((g) => {
      const b = g.getBoundingClientRect();
      return b.top >= 0 && b.bottom <= window.innerHeight && b.right <= window.innerWidth;
    }),
  );
  await shot('08-graph-focused');
  const want = {
    before: [
      'fput',
      'fsnotify',
      'fsync',
      'nfsd_file_close_inode',
      'nfsd_file_delayed_close',
      'nfsd_file_dispose_list',
      'nfsd_file_dispose_list_delayed',
      'nfsd_file_flush',
      'nfsd_file_free',
      'nfsd_file_fsnotify_handle_event',
    ],
    after: [
      'fput',
      'fsnotify',
      'fsync',
      'nfsd_file_close_inode',
      'nfsd_file_flush',
      'nfsd_file_free',
      'nfsd_file_fsnotify_handle_event',
      'nfsd_file_put',
    ],
  };
  check(
    'graph: one click on Focus shows exactly the seed evidence (v4 deferred, v5 inline), readable',
    JSON.stringify(focused.before) === JSON.stringify(want.before) &&
      JSON.stringify(focused.after) === JSON.stringify(want.after) &&
      focused.allEvidence &&
      focused.showAll &&
      focused.v5Whole &&
      focused.minTextPx >= 10 &&
      focused.minBoxPx >= 60,
    focused,
  );
  mark('graph focus checked');

  // --- Typing updates the diagnostics (last: the edit stays unsaved) ---------------------
  await quickOpen('primitives/balance.c');
  // Go to line leaves the cursor (and the focus) in the editor; past the end is the last line.
  await gotoLine(10000);
  await page.keyboard.press('End');
  await page.keyboard.press('Enter');
  // One line, inserted at once (no auto-closing of brackets): a second put on one path.
  await page.keyboard.insertText(
    'void e2e_typed(struct bal_obj *b) { refcount_inc(&b->b_ref); bal_put(b); bal_put(b); }',
  );
  const typedAt = Date.now();
  // The panel shows Output since the bad-input step: back to Problems.
  await page.keyboard.press('Control+Shift+M');
  const typed = await problemRows('e2e_typed', /e2e_typed.*dropped twice.*double-put/);
  check(
    'problems: a double put typed into balance.c appears without saving',
    true,
    `${typed.rows.find((r) => /e2e_typed/.test(r))} (after ${Date.now() - typedAt} ms, 300 ms debounce included)`,
  );
  await shot('03b-typed');
  mark('typing checked');
  ok = true;
} catch (e) {
  error = String(e?.message ?? e).slice(0, 800);
  console.error('E2E FAILED:', e);
  await shot('failure').catch(() => {});
} finally {
  if (extHost.length)
    console.log(
      `extension host console (${extHost.length}):\n  ` + extHost.slice(0, 15).join('\n  '),
    );
  await context.close();
  fs.rmSync(PROFILE, { recursive: true, force: true });
  mark('done');
  const result = {
    ok,
    error,
    checks,
    marks,
    vsixBytes: Number(process.env.VSIX_BYTES || 0),
    screenshots: SHOT_DIR,
  };
  console.log(`E2E_RESULT ${JSON.stringify(result)}`);
  process.exit(ok ? 0 : 1);
}
