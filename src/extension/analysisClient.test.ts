// Drives the real worker bundle (dist/analysisWorker.js, built by `npm run build`).
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { AnalysisClient, CancelledError } from './analysisClient';
import { lifecycleTree } from './present';

const root = path.join(__dirname, '../..');
const script = path.join(root, 'dist/analysisWorker.js');
const fx = (p: string) => path.join(root, 'test-fixtures', p);
const src = (p: string) => ({ path: p, text: fs.readFileSync(fx(p), 'utf8') });

describe.skipIf(!fs.existsSync(script))('AnalysisClient + worker', () => {
  const client = new AnalysisClient(script);
  afterAll(() => client.stop());

  it('analyses, then re-extracts only the changed file', async () => {
    await client.configure([], 2 * 1024 * 1024);
    const a = await client.analyze(
      [src('designs/v5-inline/filecache.c'), src('primitives/balance.c')],
      [],
    );
    expect(a.timings.extracted).toBe(2);
    expect(a.model.objects.map((o) => o.type)).toContain('nfsd_file');
    const edited = src('primitives/balance.c');
    edited.text += '\nstatic void added(void) {}\n';
    const b = await client.analyze([edited, src('designs/v5-inline/filecache.c')], []);
    expect(b.timings.extracted).toBe(1);
    expect(b.model.functions.some((f) => f.name === 'added')).toBe(true);
    // Extracted ahead (while an editor's debounce runs): the analysis finds it ready.
    const typed = { ...edited, text: edited.text + 'static void typed(void) {}\n' };
    client.prefetch([typed]);
    const d = await client.analyze([typed], []);
    expect(d.timings.extracted).toBe(0);
    expect(d.model.functions.filter((f) => ['added', 'typed'].includes(f.name)).length).toBe(2);
    const c = await client.analyze([], ['primitives/balance.c']);
    expect(c.model.files.map((f) => f.file)).toEqual(['designs/v5-inline/filecache.c']);
  });

  it('two copies of the sample designs in one folder are two programs', async () => {
    await client.configure([], 2 * 1024 * 1024);
    const text = (d: string) => fs.readFileSync(fx(`designs/${d}/filecache.c`), 'utf8');
    const header = '/* refcount.h (our own) */\nstruct refcount_struct { int refs; };\n';
    // v4 (sentinel, deferred close) and v5 (inline close) as two trees side by side.
    const tree = (dir: string, design: string) => [
      { path: `ws/${dir}/fs/nfsd/filecache.c`, text: text(design) },
      { path: `ws/${dir}/include/linux/refcount.h`, text: header },
    ];
    const both = await client.analyze(
      [...tree('old', 'v4-sentinel'), ...tree('new', 'v5-inline')],
      [],
    );
    const alone = await client.analyze(
      [...tree('new', 'v5-inline')],
      ['ws/old/fs/nfsd/filecache.c', 'ws/old/include/linux/refcount.h'],
    );
    const inNew = (m: typeof both.model) =>
      m.objects
        .flatMap((o) => o.releasePaths)
        .filter((r) => r.chain[0]?.at.file.startsWith('ws/new/'))
        .map(
          (r) =>
            `${r.entry}|${r.entryContext}|${r.mode}|${r.release}|${r.chain.map((c) => c.at.file).join(',')}`,
        )
        .sort();
    // The v5 tree's release paths are the same with or without the v4 tree next to it,
    // and no chain crosses from one tree into the other.
    expect(inNew(both.model)).toEqual(inNew(alone.model));
    expect(inNew(both.model).length).toBeGreaterThan(0);
    expect(inNew(both.model).filter((k) => k.includes('ws/old/'))).toEqual([]);
    // The v4 tree brings its own two objects instead of merging into the v5 tree's.
    expect(both.model.objects.length - alone.model.objects.length).toBe(2);
    // The Lifecycle view says which tree each object belongs to. The worker still holds
    // designs/v5-inline/filecache.c from the test above: a third program, at the top folder.
    const labels = (m: typeof both.model) => lifecycleTree(m).map((n) => n.label);
    expect(labels(both.model)).toEqual([
      'nfsd_file (top folder)',
      'nfsd_file_mark (top folder)',
      'nfsd_file (ws/new)',
      'nfsd_file_mark (ws/new)',
      'nfsd_file (ws/old)',
      'nfsd_file_mark (ws/old)',
    ]);
    expect(labels(alone.model)).toEqual([
      'nfsd_file (top folder)',
      'nfsd_file_mark (top folder)',
      'nfsd_file (ws/new)',
      'nfsd_file_mark (ws/new)',
    ]);
    // Each label names the tree the object's final-put sites are in.
    for (const n of lifecycleTree(both.model)) {
      const sites = n.children?.find((c) => c.label === 'Final-put sites')?.children ?? [];
      const tree = /\((.*)\)$/.exec(n.label)?.[1] ?? '';
      for (const s of sites)
        expect(
          tree === 'top folder' ? !s.at?.file.startsWith('ws/') : s.at?.file.startsWith(`${tree}/`),
        ).toBe(true);
    }
  });

  it("posts the edited file's path findings first when whole-program analyses are slow", async () => {
    // Threshold 0: every whole-program analysis counts as slow.
    await client.configure([], 2 * 1024 * 1024, { quickFirstAboveMs: 0 });
    const files = [
      'primitives/balance.c',
      'primitives/atomic-sleep.c',
      'primitives/kref.c',
      'primitives/hashing.c',
      'primitives/deferral.c',
    ].map(src);
    await client.analyze(files, []);
    const edited = { ...files[0], text: files[0].text + '\n/* edit */\n' };
    const partials: string[][] = [];
    const full = await client.analyze([edited], [], {
      onPartial: (p) => partials.push(p.findings.map((f) => `${f.kind}@${f.at.line}`)),
    });
    expect(partials.length).toBe(1);
    const fullKinds = full.model.findings
      .filter((f) => f.at.file === edited.path && f.kind !== 'sleep-in-atomic')
      .map((f) => `${f.kind}@${f.at.line}`);
    expect(partials[0].sort()).toEqual(fullKinds.sort());
    // Extracted ahead of the analysis (an editor's debounce), it is still this edit's file.
    const typed = { ...files[0], text: files[0].text + '\n/* typed */\n' };
    client.prefetch([typed]);
    await client.analyze([typed], [], {
      onPartial: (p) => partials.push(p.findings.map((f) => `${f.kind}@${f.at.line}`)),
    });
    expect(partials.length).toBe(2);
    expect(partials[1].sort()).toEqual(partials[0]);
    expect(partials[0].sort()).toEqual([
      'double-put@68', // bal_double_put(): the put after `out:` on the error path
      'ref-leak@53', // bal_leak_on_error(): `return err` after `goto out`
      'unchecked-conditional-get@83', // bal_untested_get()
    ]);
  });

  it("posts the whole program's findings before the model, and no partial when analyses are fast", async () => {
    const client = new AnalysisClient(script);
    await client.configure([], 2 * 1024 * 1024);
    const files = ['primitives/balance.c', 'primitives/atomic-sleep.c'].map(src);
    await client.analyze(files, []);
    const order: string[] = [];
    let early: unknown;
    const edited = { ...files[1], text: files[1].text + '\n/* edit */\n' };
    const full = await client.analyze([edited], [], {
      onPartial: () => order.push('partial'),
      onFindings: (f) => {
        order.push('findings');
        early = { findings: f.findings, files: f.reports.map((r) => r.file) };
      },
    });
    order.push('model');
    expect(order).toEqual(['findings', 'model']);
    expect(early).toEqual({
      findings: full.model.findings,
      files: ['primitives/atomic-sleep.c', 'primitives/balance.c'],
    });
    await client.stop();
  });

  it('skips binary and oversized texts with a reason', async () => {
    await client.configure([], 1024);
    const r = await client.analyze(
      [
        { path: 'bin.c', text: '\u0000\u0001binary' },
        { path: 'big.c', text: 'int x;\n'.repeat(400) },
      ],
      [],
    );
    const byFile = Object.fromEntries(r.model.files.map((f) => [f.file, f.skipped]));
    expect(byFile['bin.c']).toMatch(/binary/);
    expect(byFile['big.c']).toMatch(/limit/);
  });

  it('reports catalog problems', async () => {
    const r = await client.configure([{ path: 'bad.json', text: '{"calls": 3}' }], 1 << 20);
    expect(r.problems[0]).toMatch(/bad.json/);
  });

  it('compares a git revision with posted working-tree texts, and a patch series', async () => {
    const { execFileSync } = await import('node:child_process');
    const os = await import('node:os');
    const repo = fs.mkdtempSync(path.join(os.tmpdir(), 'll-git-'));
    const g = (...a: string[]) =>
      execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@t', ...a], { cwd: repo });
    g('init', '-q');
    fs.mkdirSync(path.join(repo, 'fs/nfsd'), { recursive: true });
    fs.copyFileSync(fx('designs/v6-deferred/filecache.c'), path.join(repo, 'fs/nfsd/filecache.c'));
    g('add', '.');
    g('commit', '-qm', 'v6');
    const r = await client.compareGit({
      repoDir: repo,
      paths: ['fs/nfsd/filecache.c'],
      beforeRev: 'HEAD',
      afterSources: [
        {
          path: 'fs/nfsd/filecache.c',
          text: fs.readFileSync(fx('designs/v5-inline/filecache.c'), 'utf8'),
        },
      ],
    });
    expect(r.beforeSources?.[0].path).toBe('fs/nfsd/filecache.c');
    expect(r.result.changes.some((c) => c.rule === 'release-context')).toBe(true);
    await expect(
      client.compareGit({ repoDir: repo, paths: ['fs/nfsd/filecache.c'], beforeRev: 'nope~3' }),
    ).rejects.toThrow(/nope/);
    const s = await client.compareSeries({
      baseDir: fx('series/base'),
      mboxes: [fx('series/v1.mbox'), fx('series/v2.mbox')],
    });
    expect(s.result.comparisons.length).toBeGreaterThanOrEqual(2);
    fs.rmSync(repo, { recursive: true, force: true });
  });

  it('cancels a running analysis and survives a hard stop', async () => {
    await client.configure([], 4 << 20);
    const many = Array.from({ length: 30 }, (_, i) => ({
      path: `f${i}.c`,
      text: fs.readFileSync(fx('designs/v5-inline/filecache.c'), 'utf8'),
    }));
    const ac = new AbortController();
    const p = client.analyze(many, [], { signal: ac.signal });
    setTimeout(() => ac.abort(), 20);
    await expect(p).rejects.toBeInstanceOf(CancelledError);
    await client.stop();
    const again = await client.analyze([src('primitives/balance.c')], []);
    expect(again.model.functions.length).toBeGreaterThan(0);
  });
});
