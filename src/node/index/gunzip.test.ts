import zlib from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { gunzipWhole } from './gunzip';

const text = (n: number) => Buffer.from(Array.from({ length: n }, (_, i) => `${i % 97}`).join(','));

describe('inflating a gzip body whole', () => {
  it('gives what gunzipSync gives, any size', () => {
    for (const n of [0, 1, 1000, 16 * 1024, 40_000, 300_000]) {
      const plain = text(n);
      expect(gunzipWhole(zlib.gzipSync(plain)).equals(plain)).toBe(true);
    }
  });

  it('inflates right whatever the trailer claims, and throws on damage', () => {
    const plain = text(50_000);
    const gz = zlib.gzipSync(plain);
    // The length field is checked by zlib itself: a wrong one is damage, as for gunzipSync.
    for (const claim of [0xffffffff, 10]) {
      const wrong = Buffer.from(gz);
      wrong.writeUInt32LE(claim, wrong.length - 4);
      expect(() => gunzipWhole(wrong)).toThrow();
      expect(() => zlib.gunzipSync(wrong)).toThrow();
    }
    const damaged = Buffer.from(gz);
    damaged[20] ^= 0xff;
    expect(() => gunzipWhole(damaged)).toThrow();
    expect(() => gunzipWhole(Buffer.from('not gzip'))).toThrow();
  });
});
