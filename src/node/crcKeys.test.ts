import { describe, expect, it } from 'vitest';
import { crc32Hex, key64 } from './crcKeys';

describe('crcKeys', () => {
  it('gives the CRC-32 of the UTF-8 bytes, of a string and its bytes alike', () => {
    // The check value of CRC-32 (ISO-HDLC): "123456789" -> cbf43926.
    expect(crc32Hex('123456789')).toBe('cbf43926');
    expect(crc32Hex(Buffer.from('123456789'))).toBe('cbf43926');
    expect(crc32Hex('')).toBe('00000000');
    expect(crc32Hex('é')).toBe(crc32Hex(Buffer.from([0xc3, 0xa9])));
  });

  it('keys by both directions: the same bytes in another order get another key', () => {
    expect(key64('123456789')).toBe(`cbf43926${crc32Hex('987654321')}`);
    expect(key64('ab')).toHaveLength(16);
    expect(key64('ab')).not.toBe(key64('ba'));
    expect(key64(Buffer.from('nfsd'))).toBe(key64('nfsd'));
  });

  it('does not change its input', () => {
    const bytes = Buffer.from('fput(nf->nf_file)');
    key64(bytes);
    expect(bytes.toString()).toBe('fput(nf->nf_file)');
  });
});
