import { describe, expect, it } from 'vitest';
import type { Finding } from '../model';
import { findingKey, visibleFindings } from './findingKey';

const finding = (over: Partial<Finding>): Finding => ({
  kind: 'double-put',
  severity: 'error',
  function: 'drop_twice',
  message:
    "drop_twice(): reference to 'x' dropped twice on one path (second drop: put_x() at line 42)",
  at: { file: '/k/6.12/fs/demo/a.c', line: 42, column: 3 },
  related: [],
  confidence: 'confident',
  guesses: [],
  ...over,
});

describe('findingKey', () => {
  it('names the file relative to the root and hides line numbers', () => {
    expect(findingKey(finding({}), '/k/6.12/')).toBe(
      "fs/demo/a.c|drop_twice|double-put|drop_twice(): reference to 'x' dropped twice on one path (second drop: put_x() at line #)",
    );
  });
  it('keeps a path outside the root as it is', () => {
    expect(findingKey(finding({ message: 'm at line 3 (path through line 9)' }), '/other')).toBe(
      '/k/6.12/fs/demo/a.c|drop_twice|double-put|m at line # (path through line #)',
    );
  });
});

describe('visibleFindings', () => {
  it('hides guesses unless all are asked for', () => {
    const fs = [finding({}), finding({ confidence: 'guess', guesses: ['loop'] })];
    expect(visibleFindings(fs, false).shown).toEqual([fs[0]]);
    expect(visibleFindings(fs, false).hiddenGuesses).toBe(1);
    expect(visibleFindings(fs, true)).toEqual({ shown: fs, hiddenGuesses: 0 });
  });
});
