// compareText() must order exactly as the en-US collation that localeCompare used.
import { describe, expect, it } from 'vitest';
import { compareText } from './textOrder';

const collator = new Intl.Collator('en-US');
const sign = (n: number) => Math.sign(n);

describe('compareText', () => {
  it('agrees with the en-US collation on every pair of short strings over names and paths', () => {
    const alphabet = ['a', 'A', 'b', 'B', 'z', '_', '-', '.', '/', '0', '9', ' ', '@', '$'];
    const strings = [''];
    for (const x of alphabet) {
      strings.push(x);
      for (const y of alphabet) strings.push(x + y);
    }
    for (const x of ['a', '_', 'B'])
      for (const y of alphabet) for (const z of alphabet) strings.push(x + y + z);
    let disagreements = 0;
    for (const a of strings)
      for (const b of strings)
        if (sign(compareText(a, b)) !== sign(collator.compare(a, b))) disagreements++;
    expect(disagreements).toBe(0);
  });

  it('agrees on every printable ASCII character and on random identifiers and paths', () => {
    const chars: string[] = [];
    for (let c = 32; c < 127; c++) chars.push(String.fromCharCode(c));
    for (const a of chars)
      for (const b of chars) expect(sign(compareText(a, b))).toBe(sign(collator.compare(a, b)));
    let seed = 7;
    const rand = (n: number) => (seed = (seed * 1103515245 + 12345) % 2147483648) % n;
    const pick = 'aAbBxXyY__--..//01';
    const word = () => Array.from({ length: 1 + rand(8) }, () => pick[rand(pick.length)]).join('');
    for (let i = 0; i < 20000; i++) {
      const a = word();
      const b = rand(3) === 0 ? a.toUpperCase() : word();
      expect(sign(compareText(a, b))).toBe(sign(collator.compare(a, b)));
    }
  });

  it('sorts model names as before: struct types and file paths', () => {
    const names = [
      'nfsd_file',
      'NFSD_X',
      'nfsd-file',
      'nfsd.file',
      'nfs4_client',
      'nfsd_file_mark',
      'fs/nfsd/vfs.c',
      'fs/nfsd/filecache.c',
      'fs/nfs_common/a.c',
    ];
    expect([...names].sort(compareText)).toEqual([...names].sort((a, b) => collator.compare(a, b)));
  });

  it('leaves characters beyond ASCII to the collator', () => {
    expect(sign(compareText('é', 'f'))).toBe(sign('é'.localeCompare('f')));
    expect(sign(compareText('a\u0001b', 'ab'))).toBe(sign('a\u0001b'.localeCompare('ab')));
  });
});
