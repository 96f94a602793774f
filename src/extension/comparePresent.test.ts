import fs from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { ComparisonResult } from '../core/compare/compareTypes';
import { nodeParser } from '../node/wasmFiles';
import { compareTexts } from '../node/revisions';
import { changeLog, changeMarks, changeTree } from './comparePresent';
import { shorten, TITLE_MAX } from './present';

const fx = (p: string) => path.join(__dirname, '../../test-fixtures/designs', p, 'filecache.c');
let result: ComparisonResult;
beforeAll(async () => {
  const parser = await nodeParser();
  result = compareTexts(
    { label: 'v4', sources: [{ path: 'v4.c', text: fs.readFileSync(fx('v4-sentinel'), 'utf8') }] },
    { label: 'v5', sources: [{ path: 'v5.c', text: fs.readFileSync(fx('v5-inline'), 'utf8') }] },
    { parser },
  );
});

describe('compare presentation', () => {
  it('marks lines on both sides, each on its own file', () => {
    expect(result.changes.length).toBeGreaterThan(0);
    const marks = changeMarks(result);
    expect(marks.some((m) => m.side === 'before' && m.file === 'v4.c')).toBe(true);
    expect(marks.some((m) => m.side === 'after' && m.file === 'v5.c')).toBe(true);
    expect(marks.every((m) => (m.side === 'before' ? m.file === 'v4.c' : m.file === 'v5.c'))).toBe(
      true,
    );
    const keys = marks.map((m) => `${m.side}|${m.file}|${m.line}`);
    expect(new Set(keys).size).toBe(keys.length);
  });

  it('lists changes with explanation and evidence steps tagged by side', () => {
    const tree = changeTree(result);
    expect(tree.length).toBe(result.changes.length);
    const ll1 = tree.find((n) => n.label.startsWith('LL1'));
    expect(ll1).toBeDefined();
    expect(ll1!.children![0].label.length).toBeGreaterThan(20);
    const ev = ll1!.children!.filter((c) => c.contextValue?.startsWith('evidence-'));
    expect(ev.map((e) => e.contextValue)).toEqual(['evidence-before', 'evidence-after']);
    expect(ev[1].children!.every((s) => s.contextValue === 'step-after' && s.at)).toBe(true);
  });

  it('says so when nothing changed', () => {
    const same = { ...result, changes: [] };
    expect(changeTree(same)[0].label).toMatch(/^No behaviour change/);
  });

  it('labels are at most TITLE_MAX characters; the full text is in the tooltip', () => {
    const walk = (ns: ReturnType<typeof changeTree>): string[] =>
      ns.flatMap((n) => [n.label, ...walk(n.children ?? [])]);
    const labels = walk(changeTree(result));
    expect(labels.filter((l) => l.length > TITLE_MAX)).toEqual([]);
    for (const n of changeTree(result)) {
      expect(n.tooltip!.startsWith(`${n.label.replace(/…$/, '').replace(/^LL\d+ /, '')}`)).toBe(
        true,
      );
    }
  });

  it('the output channel gets one block per change', () => {
    const text = changeLog('v4 ↔ v5', result);
    const lines = text.split('\n');
    const n = result.changes.length;
    expect(lines[0]).toBe(`compare v4 ↔ v5: ${n} behaviour change${n === 1 ? '' : 's'}`);
    const heads = lines.filter((l) => /^ {2}\d+\. LL\d+ /.test(l));
    expect(heads).toEqual(
      result.changes.map((c, i) => `  ${i + 1}. ${c.code} [${c.severity}] ${c.title}`),
    );
    expect(text).not.toContain('; LL');
  });
});

describe('shorten', () => {
  it('cuts at a word boundary with an ellipsis, leaves short text alone', () => {
    expect(shorten('final close runs fsync in: fsnotify callback', 60)).toBe(
      'final close runs fsync in: fsnotify callback',
    );
    expect(shorten('final close runs fput, fsync in: fsnotify callback, notifier chain', 40)).toBe(
      'final close runs fput, fsync in…',
    );
    expect(shorten('x'.repeat(50), 10)).toBe('xxxxxxxxx…');
  });
});
