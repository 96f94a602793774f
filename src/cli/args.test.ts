// Command-line syntax of a base per series version.
import { describe, expect, it } from 'vitest';
import { parseArgs } from './args';

describe('series bases', () => {
  it('a --base or --base-rev after an mbox is that version own; before all mboxes, the default', () => {
    const a = parseArgs([
      'series',
      '--repo',
      'R',
      'v4.mbox',
      '--base-rev',
      'A',
      'v5.mbox',
      '--base',
      'dir-b',
    ]);
    expect(a.paths).toEqual(['v4.mbox', 'v5.mbox']);
    expect(a.versionBases).toEqual([{ rev: 'A' }, { dir: 'dir-b' }]);
    expect(a.baseRev).toBeUndefined();
    const b = parseArgs(['series', '--base-rev', 'X', 'v1.mbox', 'v2.mbox', '--base-rev', 'Y']);
    expect(b.baseRev).toBe('X');
    expect(b.versionBases).toEqual([undefined, { rev: 'Y' }]);
    // Other commands keep one base.
    expect(parseArgs(['draft', '--series', 's.mbox', 'x', '--base', 'D']).base).toBe('D');
  });
});
