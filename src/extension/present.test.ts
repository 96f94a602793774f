import fs from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { analyzeSources } from '../core/analysis/analyze';
import type { ProgramModel } from '../core/model';
import { nodeParser } from '../node/wasmFiles';
import {
  callHover,
  fileNotes,
  findingDiagnostics,
  functionLenses,
  inlineReleaseDiagnostics,
  lifecycleTree,
  ModelView,
  whereReleaseRuns,
} from './present';

const fx = (p: string) => path.join(__dirname, '../../test-fixtures', p);
const read = (p: string) => ({ path: fx(p), text: fs.readFileSync(fx(p), 'utf8') });

let v5: ProgramModel;
let v6: ProgramModel;
let prim: ProgramModel;
beforeAll(async () => {
  const parser = await nodeParser();
  v5 = analyzeSources([read('designs/v5-inline/filecache.c')], { parser });
  v6 = analyzeSources([read('designs/v6-deferred/filecache.c')], { parser });
  prim = analyzeSources(
    [
      read('primitives/balance.c'),
      read('primitives/atomic-sleep.c'),
      read('parsing/broken.c'),
      { path: 'bin.c', text: 'ab\u0000\u0000cd' },
    ],
    { parser },
  );
});

describe('CodeLens', () => {
  it('says where the final close of nfsd_file_close_inode runs fsync', () => {
    const view = new ModelView(v5);
    const fn = view.byName.get('nfsd_file_close_inode')?.[0];
    expect(fn).toBeDefined();
    const lenses = functionLenses(view, fn!);
    const titles = lenses.map((l) => l.title);
    expect(titles[0]).toMatch(/^refs: put nfsd_file/);
    expect(titles[0]).toContain('may do final put');
    const close = titles.find((t) => t.startsWith('final close runs'));
    expect(close!.length).toBeLessThanOrEqual(60);
    const full = lenses.find((l) => l.title === close)!.tooltip;
    expect(full).toMatch(/fsync.*in: .*fsnotify callback \(inline\)/);
  });

  it('groups contexts with the same release work', () => {
    const step = {
      function: 'f',
      call: 'g',
      at: { file: 'a.c', line: 1, column: 1 },
      via: 'call' as const,
    };
    const base = {
      entry: 'e',
      entryContext: 'fsnotify' as const,
      sink: 'fput',
      viaFinalPut: true,
      chain: [step],
    };
    const g = whereReleaseRuns([
      { ...base, runsIn: 'fsnotify', mode: 'inline', release: 'fsync' },
      { ...base, runsIn: 'fsnotify', mode: 'inline', release: 'fput' },
      { ...base, runsIn: 'workqueue', mode: 'deferred', release: 'fput' },
    ]);
    expect(g).toEqual([
      { releases: ['fsync', 'fput'], where: 'fsnotify callback (inline)' },
      { releases: ['fput'], where: 'workqueue (deferred)' },
    ]);
  });
});

describe('hover', () => {
  it('classifies a put and pairs it', () => {
    const view = new ModelView(v5);
    const fn = view.byName.get('nfsd_file_close_inode')![0];
    const call = fn.calls.find((c) => c.callee === 'nfsd_file_put')!;
    const hit = view.callAt(fn.file, call.at.line, call.at.column + 2);
    expect(hit?.call).toBe(call);
    const md = callHover(view, fn, call);
    expect(md).toContain('reference put');
    expect(md).toContain('derived from nfsd_file_put');
    expect(md).toMatch(
      /contexts reaching `nfsd_file_close_inode\(\)`: fsnotify callback, notifier chain/,
    );
    expect(md).toMatch(/pairs with: `nfsd_file_take_hashed\(\)` \(line \d+, returns a reference\)/);
  });
});

describe('diagnostics', () => {
  it('maps findings with severity overrides and kind filters', () => {
    const all = findingDiagnostics(prim.findings);
    expect(all.map((d) => d.code)).toContain('sleep-in-atomic');
    expect(all.find((d) => d.code === 'unchecked-conditional-get')?.severity).toBe('warning');
    const some = findingDiagnostics(prim.findings, {
      kinds: ['unchecked-conditional-get', 'sleep-in-atomic'],
      severity: { 'unchecked-conditional-get': 'error', 'sleep-in-atomic': 'off' },
    });
    expect(some.map((d) => [d.code, d.severity])).toEqual([['unchecked-conditional-get', 'error']]);
  });

  it('notes skipped and partially analysed files on line 1', () => {
    const notes = fileNotes(prim);
    expect(notes).toEqual([
      expect.objectContaining({ file: fx('parsing/broken.c'), line: 1, code: 'parse-errors' }),
      expect.objectContaining({ file: 'bin.c', line: 1, code: 'skipped', severity: 'information' }),
    ]);
    expect(notes[0].message).toMatch(/unbalanced braces/);
    expect(notes[1].message).toMatch(/binary/);
  });
});

describe('Lifecycle tree', () => {
  it('lists nfsd_file with its final-put sites and contexts', () => {
    const tree = lifecycleTree(v5);
    const nf = tree.find((n) => n.label === 'nfsd_file')!;
    const sites = nf.children!.find((c) => c.label === 'Final-put sites')!;
    expect(sites.children!.map((c) => c.label)).toEqual(
      expect.arrayContaining(['nfsd_file_put()', 'nfsd_file_lru_cb()']),
    );
    expect(sites.children!.every((c) => c.at && c.at.line > 0)).toBe(true);
    const ctx = nf.children!.find((c) => c.label.startsWith('Contexts'))!;
    expect(ctx.children!.map((c) => c.label)).toContain('fsnotify callback · inline');
  });
});

describe('inline release work in borrowed contexts', () => {
  it('v5: fsnotify and lease-break entries do fsync inline, with the chain as related information', () => {
    const d = inlineReleaseDiagnostics(v5.objects);
    expect(d.map((x) => [path.basename(x.file), x.line, x.severity, x.code, x.message])).toEqual([
      [
        'filecache.c',
        551,
        'information',
        'inline-release-in-callback',
        'nfsd_file_fsnotify_handle_event() runs in fsnotify callback context and does fsync of struct nfsd_file inline (via the final put): sleeping release work stalls the operation it borrowed; consider deferring it.',
      ],
      [
        'filecache.c',
        569,
        'information',
        'inline-release-in-callback',
        'nfsd_file_lease_notifier_call() runs in notifier chain context and does fsync of struct nfsd_file inline (via the final put): sleeping release work stalls the operation it borrowed; consider deferring it.',
      ],
    ]);
    expect(d[0].related.map((r) => `${r.message} @${r.at.line}`)).toEqual([
      'nfsd_file_fsnotify_handle_event() calls nfsd_file_close_inode() @551',
      'nfsd_file_close_inode() calls nfsd_file_put() @515',
      'nfsd_file_put() calls nfsd_file_free() @368',
      'nfsd_file_free() calls nfsd_file_flush() @240',
      'nfsd_file_flush() does vfs_fsync() @224',
    ]);
  });

  it('v6 defers the release work: no entry', () => {
    expect(inlineReleaseDiagnostics(v6.objects)).toEqual([]);
  });
});
