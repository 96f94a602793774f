// The webview bundle in headless Debian chromium (playwright-core, no browser
// download), under the same CSP as in VS Code, with a fake acquireVsCodeApi.
// Fails (never skips) when chromium or the bundle is missing.
import fs from 'node:fs';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ComparisonResult } from '../../src/core/compare/compareTypes';
import {
  applyOptions,
  buildCompareGraphs,
  buildContextGraph,
  focusOnEvidence,
  svgId,
  type Graph,
} from '../../src/core/graph';
import type { ProgramModel } from '../../src/core/model';
import type { GraphPayload } from '../src/protocol';
import { launchBrowser, startServer } from './harnessServer.mjs';

const root = path.resolve(__dirname, '../..');
const shots = path.join(root, 'test-output/webview');
const data = (f: string): unknown =>
  JSON.parse(fs.readFileSync(path.join(root, 'webview/test-data', f), 'utf8'));
const v5 = data('v5.model.json') as ProgramModel;
const cmp45 = data('compare-v4-v5.json') as ComparisonResult;

let browser: Browser;
let server: { url: string; close: () => Promise<void> };

beforeAll(async () => {
  fs.mkdirSync(shots, { recursive: true });
  server = await startServer();
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
  await server?.close();
});

async function open(payload: GraphPayload, theme = 'vscode-light'): Promise<Page> {
  const page = await browser.newPage({ viewport: { width: 1600, height: 1000 } });
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  (page as Page & { errors?: string[] }).errors = errors;
  await page.goto(server.url);
  await page.evaluate((t) => {
    // VS Code puts the theme class on <body> and the colour variables on <html>.
    document.documentElement.className = t;
    document.body.className = t;
  }, theme);
  await page.waitForFunction(() => document.body.dataset.vizReady === 'true');
  await send(page, { type: 'show', payload });
  return page;
}

async function renders(page: Page): Promise<number> {
  return page.evaluate(() => Number(document.body.dataset.renders ?? 0));
}

async function send(page: Page, msg: unknown): Promise<void> {
  const before = await renders(page);
  await page.evaluate((m) => window.postMessage(m, '*'), msg);
  await page.waitForFunction((n) => Number(document.body.dataset.renders ?? 0) > n, before);
}

async function choose(page: Page, id: string, value: string): Promise<void> {
  const before = await renders(page);
  await page.evaluate(
    ([i, v]) => {
      const s = document.getElementById(i as string) as HTMLElement & { value: string };
      s.value = v as string;
      s.dispatchEvent(new Event('change'));
    },
    [id, value],
  );
  await page.waitForFunction((n) => Number(document.body.dataset.renders ?? 0) > n, before);
}

const posted = (page: Page) =>
  page.evaluate(() => (window as unknown as { __posted: unknown[] }).__posted);
const csp = (page: Page) =>
  page.evaluate(() => (window as unknown as { __cspViolations: string[] }).__cspViolations);

/** Ids (graph ids) of the elements in pane `key` that carry `cls`. */
async function idsWith(page: Page, key: string, graph: Graph, sel: string): Promise<string[]> {
  const back = new Map<string, string>();
  for (const n of graph.nodes) back.set(svgId(`${key}-`, n.id), n.id);
  for (const e of graph.edges) back.set(svgId(`${key}-`, e.id), e.id);
  const raw = await page.evaluate(
    ([k, s]) => [...document.querySelectorAll(`section[data-pane="${k}"] ${s}`)].map((e) => e.id),
    [key, sel],
  );
  return raw.map((id) => back.get(id) ?? `?${id}`).sort();
}

describe('webview in headless chromium', () => {
  it('renders the v5 context graph and the lifecycle graph', async () => {
    const page = await open({ kind: 'model', title: 'v5', model: v5 });
    const expected = applyOptions(buildContextGraph(v5, 'v5'), { collapseOffPath: true });
    expect(await idsWith(page, 'c', expected, 'g.node')).toEqual(
      expected.nodes.map((n) => n.id).sort(),
    );
    expect(await idsWith(page, 'c', expected, 'g.edge')).toEqual(
      expected.edges.map((e) => e.id).sort(),
    );
    await page.screenshot({ path: path.join(shots, 'context-v5-light.png') });
    await choose(page, 'view-select', 'lifecycle');
    const states = await page.$$eval('section[data-pane="l"] g.node', (els) =>
      els.map((e) => e.textContent?.trim().split('\n')[0]),
    );
    expect(states.length).toBe(6);
    await page.screenshot({ path: path.join(shots, 'lifecycle-v5-light.png') });
    expect(await csp(page)).toEqual([]);
    expect((page as Page & { errors?: string[] }).errors).toEqual([]);
    await page.close();
  });

  const cg = buildCompareGraphs(cmp45);
  const seedIndex = cg.changes.findIndex(
    (c) =>
      c.code === 'LL1' &&
      c.function === 'nfsd_file_close_inode' &&
      c.before.nodes.includes('ctx:fsnotify'),
  );
  const seed = cg.changes[seedIndex];
  // Unfocused, the compare view shows every entry context (functions off release paths folded).
  const focus = { collapseOffPath: true };
  const before = applyOptions(cg.before, focus);
  const after = applyOptions(cg.after, focus);
  const payload: GraphPayload = { kind: 'comparison', title: 'v4 → v5', comparison: cmp45 };

  it('compare: colours exactly the changed edges and highlights the seed evidence in both graphs', async () => {
    expect(seed).toBeDefined();
    for (const theme of ['vscode-light', 'vscode-dark', 'vscode-high-contrast']) {
      const page = await open(payload, theme);
      if (seedIndex !== 0) {
        const n = await renders(page);
        await page.click(`button.change[data-index="${seedIndex}"]`);
        await page.waitForFunction((c) => Number(document.body.dataset.renders ?? 0) > c, n);
      }
      for (const [key, g] of [
        ['a', before],
        ['b', after],
      ] as const) {
        for (const diff of ['added', 'removed', 'changed'] as const)
          expect(await idsWith(page, key, g, `g.edge.diff-${diff}`)).toEqual(
            g.edges
              .filter((e) => e.diff === diff)
              .map((e) => e.id)
              .sort(),
          );
      }
      expect(await idsWith(page, 'a', before, 'g.edge.evidence')).toEqual(
        [...(seed?.before.edges ?? [])].sort(),
      );
      expect(await idsWith(page, 'b', after, 'g.edge.evidence')).toEqual(
        [...(seed?.after.edges ?? [])].sort(),
      );
      // The seed case at a glance: deferred to the workqueue in v4, inline in fsnotify in v5.
      const cls = (key: string, id: string) =>
        page.evaluate(
          (i) => (document.getElementById(i)?.getAttribute('class') ?? '').split(' '),
          svgId(`${key}-`, id),
        );
      expect(
        await cls(
          'a',
          'fn:fsnotify:nfsd_file_dispose_list_delayed->fn:workqueue:nfsd_file_delayed_close',
        ),
      ).toEqual(
        expect.arrayContaining(['kind-defer', 'mode-deferred', 'diff-removed', 'evidence']),
      );
      expect(
        await cls('b', 'fn:fsnotify:nfsd_file_close_inode->fn:fsnotify:nfsd_file_put'),
      ).toEqual(expect.arrayContaining(['diff-added', 'evidence']));
      expect(await cls('b', 'fn:fsnotify:nfsd_file_flush->release:fsnotify:fsync')).toEqual(
        expect.arrayContaining(['mode-inline', 'diff-added', 'evidence', 'release-inline']),
      );
      expect(await page.textContent('.banner')).toContain('inline (fsnotify)');
      await page.screenshot({
        path: path.join(shots, `compare-v4-v5-${theme.replace('vscode-', '')}.png`),
      });
      expect(await csp(page)).toEqual([]);
      await page.close();
    }
  });

  it('one click on Focus cuts the graphs down to the seed change evidence; Show all brings them back', async () => {
    if (!seed) throw new Error('seed change missing');
    const page = await open(payload);
    const nodes = (key: string, g: Graph) => idsWith(page, key, g, 'g.node');
    const edges = (key: string, g: Graph) => idsWith(page, key, g, 'g.edge');
    const click = async (sel: string) => {
      const n = await renders(page);
      await page.click(sel);
      await page.waitForFunction((c) => Number(document.body.dataset.renders ?? 0) > c, n);
    };
    await click(`#focus-${seedIndex}`);
    const fb = focusOnEvidence(cg.before, seed.before);
    const fa = focusOnEvidence(cg.after, seed.after);
    expect(await nodes('b', fa)).toEqual([
      'ctx:fsnotify',
      'fn:fsnotify:nfsd_file_close_inode',
      'fn:fsnotify:nfsd_file_flush',
      'fn:fsnotify:nfsd_file_free',
      'fn:fsnotify:nfsd_file_fsnotify_handle_event',
      'fn:fsnotify:nfsd_file_put',
      'release:fsnotify:fput',
      'release:fsnotify:fsync',
    ]);
    expect(await nodes('a', fb)).toEqual([
      'ctx:fsnotify',
      'fn:fsnotify:nfsd_file_close_inode',
      'fn:fsnotify:nfsd_file_dispose_list_delayed',
      'fn:fsnotify:nfsd_file_fsnotify_handle_event',
      'fn:workqueue:nfsd_file_delayed_close',
      'fn:workqueue:nfsd_file_dispose_list',
      'fn:workqueue:nfsd_file_flush',
      'fn:workqueue:nfsd_file_free',
      'release:workqueue:fput',
      'release:workqueue:fsync',
    ]);
    expect(await edges('a', fb)).toEqual(fb.edges.map((e) => e.id).sort());
    expect(await edges('b', fa)).toEqual(fa.edges.map((e) => e.id).sort());
    // Every node shown is evidence; the lanes are the evidence's lanes only.
    expect(await idsWith(page, 'b', fa, 'g.node:not(.evidence)')).toEqual([]);
    const lanes = (key: string) =>
      page.$$eval(`section[data-pane="${key}"] g.cluster > text`, (t) =>
        t.map((x) => x.textContent ?? ''),
      );
    expect((await lanes('a')).join(' ')).toMatch(/workqueue.*fsnotify/);
    expect((await lanes('b')).join(' ')).toMatch(/fsnotify/);
    expect((await lanes('b')).join(' ')).not.toMatch(/workqueue/);
    expect(await page.textContent('section[data-pane="b"] .counts')).toBe('8 nodes · 7 edges');
    expect(await page.getAttribute(`#focus-${seedIndex}`, 'aria-pressed')).toBe('true');
    expect(await page.textContent(`#focus-${seedIndex}`)).toBe('Show all');
    // The keyboard stays on the button that was pressed.
    expect(await page.evaluate(() => document.activeElement?.id)).toBe(`focus-${seedIndex}`);
    await page.screenshot({ path: path.join(shots, 'compare-v4-v5-focused.png') });
    // Show all (banner) brings back the whole graphs.
    await click('#show-all');
    expect(await nodes('b', after)).toEqual(after.nodes.map((n) => n.id).sort());
    expect(await nodes('a', before)).toEqual(before.nodes.map((n) => n.id).sort());
    // Keyboard only: f on a change focuses it, Escape shows all again.
    await page.focus(`#change-${seedIndex}`);
    let n = await renders(page);
    await page.keyboard.press('f');
    await page.waitForFunction((c) => Number(document.body.dataset.renders ?? 0) > c, n);
    expect(await nodes('b', fa)).toEqual(fa.nodes.map((x) => x.id).sort());
    expect(await page.evaluate(() => document.activeElement?.id)).toBe(`change-${seedIndex}`);
    n = await renders(page);
    await page.keyboard.press('Escape');
    await page.waitForFunction((c) => Number(document.body.dataset.renders ?? 0) > c, n);
    expect(await nodes('b', after)).toEqual(after.nodes.map((x) => x.id).sort());
    // Focused, selecting another change focuses on that one (overlay: both sides in one graph).
    await click(`#focus-${seedIndex}`);
    const other = cg.changes.findIndex((c, i) => i !== seedIndex && c.union.nodes.length > 0);
    await click(`#change-${other}`);
    const oa = focusOnEvidence(cg.after, cg.changes[other]?.after ?? { nodes: [], edges: [] });
    expect(await nodes('b', oa)).toEqual(oa.nodes.map((x) => x.id).sort());
    await choose(page, 'layout-select', 'overlay');
    const ou = focusOnEvidence(cg.union, cg.changes[other]?.union ?? { nodes: [], edges: [] });
    expect(await nodes('u', ou)).toEqual(ou.nodes.map((x) => x.id).sort());
    expect(await csp(page)).toEqual([]);
    expect((page as Page & { errors?: string[] }).errors).toEqual([]);
    await page.close();
  });

  it('focused in a narrow editor column (beside the code): readable, no horizontal scrolling', async () => {
    const page = await open(payload, 'vscode-dark');
    await page.setViewportSize({ width: 700, height: 900 });
    const n = await renders(page);
    await page.click(`#focus-${seedIndex}`);
    await page.waitForFunction((c) => Number(document.body.dataset.renders ?? 0) > c, n);
    await page.waitForTimeout(200);
    const m = await page.evaluate(() => {
      const texts = [...document.querySelectorAll('svg g.node text')].map(
        (t) => t.getBoundingClientRect().height,
      );
      const scrollers = [...document.querySelectorAll('.scroller')].map(
        (s) => s.scrollWidth - s.clientWidth,
      );
      return { minText: Math.min(...texts), overflow: Math.max(...scrollers) };
    });
    expect(m.minText).toBeGreaterThanOrEqual(10);
    expect(m.overflow).toBeLessThanOrEqual(0);
    // The size the e2e workbench gives the panel (beside the editor, Output open): the
    // focused v5 graph fits the window whole once its pane is scrolled to.
    await page.setViewportSize({ width: 571, height: 502 });
    await page.waitForTimeout(300);
    const fit = await page.evaluate(() => {
      document.querySelector('section[data-pane="b"]')?.scrollIntoView({ block: 'start' });
      const boxes = [...document.querySelectorAll('section[data-pane="b"] svg g.node')].map((g) =>
        g.getBoundingClientRect(),
      );
      const texts = [...document.querySelectorAll('svg g.node text')].map(
        (t) => t.getBoundingClientRect().height,
      );
      // As the e2e measures: every node box (both panes) at least 60 px wide.
      const widths = [...document.querySelectorAll('svg g.node')].map(
        (g) => g.querySelector('polygon, path, ellipse')?.getBoundingClientRect().width ?? 0,
      );
      return {
        minBox: Math.min(...widths),
        inside: boxes.every(
          (b) => b.top >= 0 && b.bottom <= window.innerHeight && b.right <= window.innerWidth,
        ),
        nodes: boxes.length,
        minText: Math.min(...texts),
      };
    });
    expect(fit).toEqual({
      inside: true,
      nodes: 8,
      minText: expect.any(Number),
      minBox: expect.any(Number),
    });
    expect(fit.minText).toBeGreaterThanOrEqual(10);
    expect(fit.minBox).toBeGreaterThanOrEqual(60);
    await page.screenshot({ path: path.join(shots, 'compare-v4-v5-focused-narrow-dark.png') });
    await page.close();
  });

  it('compare overlay shows both revisions in one graph', async () => {
    const page = await open(payload);
    await choose(page, 'layout-select', 'overlay');
    const union = applyOptions(cg.union, focus);
    expect(await idsWith(page, 'u', union, 'g.edge.diff-removed')).toEqual(
      union.edges
        .filter((e) => e.diff === 'removed')
        .map((e) => e.id)
        .sort(),
    );
    expect(await idsWith(page, 'u', union, 'g.edge.evidence')).toEqual(
      [...(seed?.union.edges ?? [])].sort(),
    );
    await page.screenshot({ path: path.join(shots, 'compare-v4-v5-overlay.png') });
    await page.close();
  });

  it('click and Enter post reveal messages with the source location', async () => {
    const page = await open(payload);
    const fn = cmp45.after.model.functions.find((f) => f.name === 'nfsd_file_close_inode');
    await page.click(`#${svgId('b-', 'fn:fsnotify:nfsd_file_close_inode')}`);
    expect((await posted(page)).at(-1)).toEqual({
      type: 'reveal',
      file: fn?.file,
      line: fn?.span.line,
      column: fn?.span.column,
    });
    const edge = after.edges.find(
      (e) => e.id === 'fn:fsnotify:nfsd_file_close_inode->fn:fsnotify:nfsd_file_put',
    );
    await page.click(`#${svgId('b-', edge?.id ?? '')} path`, { force: true });
    expect((await posted(page)).at(-1)).toEqual({ type: 'reveal', ...edge?.at });
    // Keyboard: the focused node moves with the arrows; Enter reveals.
    await page.focus(`#${svgId('b-', 'fn:fsnotify:nfsd_file_close_inode')}`);
    await page.keyboard.press('ArrowDown');
    const focused = await page.evaluate(() => document.activeElement?.id ?? '');
    expect(focused).not.toBe(svgId('b-', 'fn:fsnotify:nfsd_file_close_inode'));
    expect(focused.startsWith('b-')).toBe(true);
    const n = (await posted(page)).length;
    await page.keyboard.press('Enter');
    const last = (await posted(page)).at(-1) as { type: string; line: number };
    expect((await posted(page)).length).toBe(n + 1);
    expect(last.type).toBe('reveal');
    await page.screenshot({ path: path.join(shots, 'keyboard-focus.png') });
    await page.close();
  });

  it('exports DOT and SVG through the host', async () => {
    const page = await open(payload);
    await page.click('#export-dot');
    const dot = (await posted(page)).at(-1) as {
      type: string;
      format: string;
      content: string;
      name: string;
    };
    expect(dot).toMatchObject({ type: 'export', format: 'dot' });
    expect(dot.content.startsWith('digraph')).toBe(true);
    expect(dot.name).toMatch(/^[\w.-]+\.dot$/);
    await page.click('#export-svg');
    const svg = (await posted(page)).at(-1) as { format: string; content: string };
    expect(svg.format).toBe('svg');
    expect(svg.content).toContain('</svg>');
    await page.close();
  });

  it('keeps its state across a reload (no data re-sent)', async () => {
    const page = await open(payload);
    const target = seedIndex === 3 ? 4 : 3;
    const n = await renders(page);
    await page.click(`button.change[data-index="${target}"]`);
    await page.waitForFunction((c) => Number(document.body.dataset.renders ?? 0) > c, n);
    await choose(page, 'layout-select', 'overlay');
    await page.reload();
    await page.waitForFunction(() => Number(document.body.dataset.renders ?? 0) >= 1);
    expect(await page.getAttribute(`button.change[data-index="${target}"]`, 'aria-pressed')).toBe(
      'true',
    );
    expect(await page.$('section[data-pane="u"]')).not.toBeNull();
    await page.close();
  });

  it('never runs hostile text from code, patches or mail, and shows it literally', async () => {
    const evilName = '<img src=x onerror="window.__pwned=1">';
    const evilTitle = '</script><script>window.__pwned=2</script> [PATCH v5 3/5] nfsd: <b>bold</b>';
    const evilMail =
      'On Wed, NeilBrown wrote: <svg onload="window.__pwned=3"></svg> &lt;not an entity&gt;';
    const swap = <T>(v: T): T =>
      JSON.parse(JSON.stringify(v).replaceAll('"nfsd_file_close_inode"', JSON.stringify(evilName)));
    const comparison = swap(cmp45);
    comparison.changes = comparison.changes.map((c, i) =>
      i === 0
        ? { ...c, title: evilTitle, explanation: evilMail, from: evilMail, to: evilTitle }
        : c,
    );
    const page = await open({ kind: 'comparison', title: evilTitle, comparison });
    await page.waitForTimeout(200);
    expect(
      await page.evaluate(() => (window as unknown as { __pwned?: number }).__pwned),
    ).toBeUndefined();
    expect(await page.$$('img')).toHaveLength(0);
    expect(await page.$$eval('script', (s) => s.length)).toBe(2);
    expect(await page.$$('svg svg, foreignObject, a')).toHaveLength(0);
    expect(await page.textContent('.banner')).toContain(evilTitle);
    expect(await page.textContent('.banner')).toContain(evilMail);
    expect(await page.textContent('.change-list')).toContain(evilTitle);
    const labels = await page.$$eval('section[data-pane="b"] g.node text', (t) =>
      t.map((x) => x.textContent),
    );
    expect(labels).toContain(evilName);
    await page.screenshot({ path: path.join(shots, 'hostile.png') });
    expect(await csp(page)).toEqual([]);
    await page.close();
  });

  it('drops unknown, malformed and oversized messages', async () => {
    const page = await open({ kind: 'model', title: 'v5', model: v5 });
    const n = await renders(page);
    const big = { ...v5, functions: Array.from({ length: 200 }, () => v5.functions).flat() };
    await page.evaluate(
      (msgs) => msgs.forEach((m) => window.postMessage(m, '*')),
      [
        { type: 'evil', payload: {} },
        { type: 'show', payload: { kind: 'model', title: 'x', model: { modelVersion: 1 } } },
        { type: 'show', payload: { kind: 'model', title: 'big', model: big } },
      ],
    );
    await page.waitForTimeout(500);
    expect(await renders(page)).toBe(n);
    expect(await page.textContent('.pane-head h2')).toBe('v5');
    await page.close();
  });
});
