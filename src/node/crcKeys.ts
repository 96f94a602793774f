// Checksums and cache keys from zlib's CRC-32 rather than node:crypto: loading
// node:crypto costs about 9 ms of every command-line start on these machines
// (a twentieth of `analyze filecache.c` with its facts read back), and zlib is
// loaded anyway (gzip index parts, checked files). None of these is a security
// boundary: they tell damage from data and one cached input from another in
// the user's own cache, where every entry is also checked for damage and owner.
import zlib from 'node:zlib';

/** CRC-32 of the UTF-8 bytes, 8 hex digits: catches a damaged line or file. */
export function crc32Hex(data: string | Buffer): string {
  return zlib.crc32(data).toString(16).padStart(8, '0');
}

/**
 * A 64-bit key of the UTF-8 bytes, 16 hex digits: the CRC-32 of the bytes and
 * that of the bytes in reverse order. Each CRC alone is linear and 32 bits
 * wide; together two inputs share a key by chance with odds of about 2^-64,
 * and any change of up to 32 consecutive bits always changes it.
 */
export function key64(data: string | Buffer): string {
  const bytes = Buffer.isBuffer(data) ? data : Buffer.from(data);
  return crc32Hex(bytes) + crc32Hex(Buffer.from(bytes).reverse());
}
