// RFC 2047 encoded words: decoding for display, encoding for safe headers.
// Decoding never throws: an undecodable word is left as written.

const ENCODED_WORD = /=\?([^?\s]{1,40})\?([bBqQ])\?([^?\s]*)\?=/g;

/** Decodes a base64 string to bytes; returns undefined on invalid input. */
export function base64ToBytes(text: string): Uint8Array | undefined {
  const clean = text.replace(/[\s]/g, '');
  if (/[^A-Za-z0-9+/=]/.test(clean)) return undefined;
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
  const out: number[] = [];
  let buffer = 0;
  let bits = 0;
  for (const ch of clean) {
    if (ch === '=') break;
    buffer = (buffer << 6) | alphabet.indexOf(ch);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push((buffer >> bits) & 0xff);
    }
  }
  return Uint8Array.from(out);
}

/** Decodes bytes in `charset`; unknown charsets fall back to UTF-8 (with U+FFFD). */
export function decodeBytes(bytes: Uint8Array, charset: string): string {
  try {
    return new TextDecoder(charset.trim().toLowerCase() || 'utf-8').decode(bytes);
  } catch {
    return new TextDecoder('utf-8').decode(bytes);
  }
}

/** Quoted-printable body decoding (RFC 2045 6.7) to bytes. */
export function quotedPrintableToBytes(text: string): Uint8Array {
  const out: number[] = [];
  const soft = text.replace(/=\r?\n/g, '');
  const enc = new TextEncoder();
  for (let i = 0; i < soft.length; i++) {
    const ch = soft[i];
    const hex = soft.slice(i + 1, i + 3);
    if (ch === '=' && /^[0-9A-Fa-f]{2}$/.test(hex)) {
      out.push(parseInt(hex, 16));
      i += 2;
    } else out.push(...enc.encode(ch));
  }
  return Uint8Array.from(out);
}

function decodeQWord(text: string): Uint8Array {
  return quotedPrintableToBytes(text.replace(/_/g, ' '));
}

/** Decodes every encoded word in a header value; whitespace between adjacent words is dropped. */
export function decodeEncodedWords(value: string): string {
  const joined = value.replace(/(\?=)\s+(?==\?)/g, '$1');
  return joined.replace(ENCODED_WORD, (word, charset: string, enc: string, text: string) => {
    const bytes = enc.toLowerCase() === 'b' ? base64ToBytes(text) : decodeQWord(text);
    if (!bytes) return word;
    // RFC 2231 language suffix: "utf-8*en".
    return decodeBytes(bytes, charset.split('*')[0]);
  });
}

/** Characters allowed unencoded inside a Q-encoded word in any header position (RFC 2047 5(3)). */
const Q_SAFE = /[A-Za-z0-9!*+\-/]/;

/**
 * Encodes `text` as UTF-8 Q encoded words, each at most 66 characters, never
 * splitting a character's bytes across words. Words are joined by a space,
 * which decoders drop, so folding at those spaces is safe.
 */
export function encodeWords(text: string): string {
  const prefix = '=?UTF-8?Q?';
  const suffix = '?=';
  // 66 rather than RFC 2047's 75 so that "Subject: " plus one word fits in 78 columns.
  const budget = 66 - prefix.length - suffix.length;
  const enc = new TextEncoder();
  const words: string[] = [];
  let cur = '';
  for (const ch of text) {
    let piece: string;
    if (ch === ' ') piece = '_';
    else if (Q_SAFE.test(ch)) piece = ch;
    else
      piece = Array.from(enc.encode(ch))
        .map((b) => `=${b.toString(16).toUpperCase().padStart(2, '0')}`)
        .join('');
    if (cur.length + piece.length > budget) {
      words.push(cur);
      cur = '';
    }
    cur += piece;
  }
  if (cur || !words.length) words.push(cur);
  return words.map((w) => prefix + w + suffix).join(' ');
}
