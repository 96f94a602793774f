// Reading mail: one RFC 2822 message (.eml) or an mbox of them, as b4 and lei
// save patch series. Pure: callers pass the file contents in. Every failure is
// a MailError with a message a user can act on.
import {
  base64ToBytes,
  decodeBytes,
  decodeEncodedWords,
  quotedPrintableToBytes,
} from './encodedWords';
import { MailError } from './mailError';

export { MailError } from './mailError';
export { parsePatchBody } from './patchBody';
export type { PatchBody, PatchFile, PatchHunk, PatchLine } from './patchBody';

export interface MailAddress {
  /** Display name, decoded; may be empty. May contain anything a hostile sender put there. */
  name: string;
  address: string;
}

export interface MailHeader {
  name: string;
  /** Unfolded, still encoded, exactly as in the message. */
  value: string;
}

export interface MailMessage {
  headers: MailHeader[];
  /** The mbox "From " separator line, when the message came from an mbox. */
  mboxFrom?: string;
  subject: string;
  from?: MailAddress;
  to: MailAddress[];
  cc: MailAddress[];
  /** The Date header as written. */
  date?: string;
  /** Message-ID with angle brackets, e.g. "<id@host>". */
  messageId?: string;
  inReplyTo?: string;
  references: string[];
  /** Decoded text body with "\n" line ends. */
  body: string;
}

/** Above this we refuse: patch mails are small, and this keeps the CLI responsive. */
const MAX_MESSAGE_BYTES = 64 * 1024 * 1024;
const MBOX_FROM = /^From \S+/;
const HEADER_LINE = /^([!-9;-~]+):[ \t]?(.*)$/;

/** Accepts a string or raw bytes (decoded as UTF-8); rejects binary content. */
export function toMailText(input: string | Uint8Array): string {
  if (input.length > MAX_MESSAGE_BYTES)
    throw new MailError('unsupported', `input is larger than ${MAX_MESSAGE_BYTES} bytes`);
  const text = typeof input === 'string' ? input : new TextDecoder('utf-8').decode(input);
  if (!text.trim()) throw new MailError('empty', 'the input is empty');
  if (text.includes('\0'))
    throw new MailError('binary', 'the input contains NUL bytes: not a mail');
  // More than 10% replacement or control characters: a binary file, not text.
  const sample = text.slice(0, 65536);
  let odd = 0;
  for (let i = 0; i < sample.length; i++) {
    const c = sample.charCodeAt(i);
    // Controls other than tab, LF, VT, FF, CR and ESC (seen in colored output).
    if (c === 0xfffd || (c < 0x20 && !(c >= 0x09 && c <= 0x0d) && c !== 0x1b)) odd++;
  }
  if (odd > sample.length / 10)
    throw new MailError('binary', 'the input looks like binary data, not a mail');
  return text.replace(/\r\n?/g, '\n');
}

/** Parses one message (an .eml file, or one message of an mbox). */
export function parseMessage(input: string | Uint8Array): MailMessage {
  const text = toMailText(input);
  const lines = text.split('\n');
  let i = 0;
  let mboxFrom: string | undefined;
  if (MBOX_FROM.test(lines[0])) mboxFrom = lines[i++];
  const headers: MailHeader[] = [];
  for (; i < lines.length; i++) {
    const line = lines[i];
    if (line === '') break;
    if (/^[ \t]/.test(line)) {
      const last = headers[headers.length - 1];
      if (!last)
        throw new MailError(
          'malformed-header',
          `line ${i + 1}: continuation line before any header`,
        );
      // Unfolding (RFC 5322 2.2.3): drop the line break, keep the whitespace.
      last.value += line;
      continue;
    }
    const m = HEADER_LINE.exec(line);
    if (!m) {
      if (!headers.length)
        throw new MailError('no-headers', `line ${i + 1} is not a mail header: not a mail message`);
      throw new MailError('malformed-header', `line ${i + 1}: "${preview(line)}" is not a header`);
    }
    headers.push({ name: m[1], value: m[2] });
  }
  if (!headers.length) throw new MailError('no-headers', 'no mail headers found');
  if (i >= lines.length)
    throw new MailError('truncated', 'the headers are not followed by an empty line and a body');
  const rawBody = lines.slice(i + 1).join('\n');
  const get = (name: string) => headerValue(headers, name);
  return {
    headers,
    mboxFrom,
    subject: decodeEncodedWords(get('subject') ?? '').trim(),
    from: parseAddressList(get('from') ?? '')[0],
    to: parseAddressList(headerValues(headers, 'to').join(', ')),
    cc: parseAddressList(headerValues(headers, 'cc').join(', ')),
    date: get('date')?.trim(),
    messageId: parseMessageIds(get('message-id') ?? '')[0],
    inReplyTo: parseMessageIds(get('in-reply-to') ?? '')[0],
    references: parseMessageIds(headerValues(headers, 'references').join(' ')),
    body: decodeBody(headers, rawBody),
  };
}

/**
 * Splits an mbox into messages. Separators are "From " lines at the start or
 * after an empty line; ">From " (mboxrd quoting, any depth) loses one ">".
 */
export function parseMbox(input: string | Uint8Array): MailMessage[] {
  const text = toMailText(input);
  const lines = text.split('\n');
  if (!MBOX_FROM.test(lines[0]))
    throw new MailError('no-headers', 'not an mbox: the first line is not a "From " line');
  const chunks: string[][] = [];
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    if (MBOX_FROM.test(line) && (i === 0 || lines[i - 1] === '')) {
      const prev = chunks[chunks.length - 1];
      if (prev && prev[prev.length - 1] === '') prev.pop(); // the separating blank line
      chunks.push([line]);
    } else chunks[chunks.length - 1].push(/^>+From /.test(line) ? line.slice(1) : line);
  }
  return chunks.map((chunk, n) => {
    try {
      return parseMessage(chunk.join('\n'));
    } catch (e) {
      if (e instanceof MailError) throw new MailError(e.code, `message ${n + 1}: ${e.message}`);
      throw e;
    }
  });
}

/** Parses .eml or mbox content, whichever it is. */
export function parseMail(input: string | Uint8Array): MailMessage[] {
  const text = toMailText(input);
  return MBOX_FROM.test(text) ? parseMbox(text) : [parseMessage(text)];
}

export function headerValue(headers: MailHeader[], name: string): string | undefined {
  return headerValues(headers, name)[0];
}

export function headerValues(headers: MailHeader[], name: string): string[] {
  const lower = name.toLowerCase();
  return headers.filter((h) => h.name.toLowerCase() === lower).map((h) => h.value);
}

/** Every "<...>" message id in a header value, in order. */
export function parseMessageIds(value: string): string[] {
  return [...value.matchAll(/<([^<>\s]+)>/g)].map((m) => `<${m[1]}>`);
}

/**
 * Splits an address list at commas outside quotes, comments and angle
 * brackets. Names are decoded (encoded words) but NOT sanitised: whatever
 * they contain is for headers.ts to neutralise when writing.
 */
export function parseAddressList(value: string): MailAddress[] {
  const parts: string[] = [];
  let cur = '';
  let quoted = false;
  let angle = 0;
  let comment = 0;
  for (let i = 0; i < value.length; i++) {
    const ch = value[i];
    if (quoted && ch === '\\') {
      cur += ch + (value[++i] ?? '');
      continue;
    }
    if (ch === '"' && !comment) quoted = !quoted;
    else if (!quoted && ch === '(') comment++;
    else if (!quoted && ch === ')' && comment) comment--;
    else if (!quoted && !comment && ch === '<') angle++;
    else if (!quoted && !comment && ch === '>' && angle) angle--;
    if (ch === ',' && !quoted && !angle && !comment) {
      parts.push(cur);
      cur = '';
    } else cur += ch;
  }
  parts.push(cur);
  return parts
    .map((p) => p.trim())
    .filter(Boolean)
    .map(parseAddress);
}

function parseAddress(text: string): MailAddress {
  const angle = /^(.*)<([^<>]*)>\s*(\(.*\))?$/s.exec(text);
  if (angle) return { name: unquote(angle[1].trim()), address: angle[2].trim() };
  // "addr (Name)" or bare "addr".
  const comment = /^(\S+)\s*\((.*)\)$/s.exec(text);
  if (comment) return { name: decodeEncodedWords(comment[2]), address: comment[1] };
  return { name: '', address: text };
}

function unquote(phrase: string): string {
  const q = /^"(.*)"$/s.exec(phrase);
  if (q) return decodeEncodedWords(q[1].replace(/\\(.)/g, '$1'));
  return decodeEncodedWords(phrase);
}

function preview(s: string): string {
  return s.length > 40 ? `${s.slice(0, 40)}...` : s;
}

function contentParam(contentType: string, param: string): string | undefined {
  const m = new RegExp(`;\\s*${param}\\s*=\\s*("([^"]*)"|[^;\\s]+)`, 'i').exec(contentType);
  return m ? (m[2] ?? m[1]) : undefined;
}

/** Decodes a text/plain body (7bit/8bit/quoted-printable/base64); multipart: the first text/plain part. */
function decodeBody(headers: MailHeader[], raw: string, depth = 0): string {
  const type = headerValue(headers, 'content-type') ?? 'text/plain';
  const mediaType = type.split(';')[0].trim().toLowerCase();
  if (mediaType.startsWith('multipart/')) {
    const boundary = contentParam(type, 'boundary');
    if (!boundary || depth > 3)
      throw new MailError('unsupported', 'multipart message without a usable boundary');
    for (const part of splitMultipart(raw, boundary)) {
      const nl = part.indexOf('\n\n');
      const partHeaders = nl < 0 ? part : part.slice(0, nl);
      const hs: MailHeader[] = [];
      for (const line of partHeaders.split('\n')) {
        const m = HEADER_LINE.exec(line);
        if (m) hs.push({ name: m[1], value: m[2] });
        else if (/^[ \t]/.test(line) && hs.length) hs[hs.length - 1].value += line;
      }
      const ptype = (headerValue(hs, 'content-type') ?? 'text/plain').toLowerCase();
      if (ptype.startsWith('text/plain') || ptype.startsWith('multipart/'))
        return decodeBody(hs, nl < 0 ? '' : part.slice(nl + 2), depth + 1);
    }
    throw new MailError('unsupported', 'multipart message without a text/plain part');
  }
  if (mediaType !== 'text/plain' && !mediaType.startsWith('text/x-'))
    throw new MailError('unsupported', `body is ${mediaType}, not plain text`);
  const charset = contentParam(type, 'charset') ?? 'utf-8';
  const cte = (headerValue(headers, 'content-transfer-encoding') ?? '7bit').trim().toLowerCase();
  if (cte === 'quoted-printable') return decodeBytes(quotedPrintableToBytes(raw), charset);
  if (cte === 'base64') {
    const bytes = base64ToBytes(raw);
    if (!bytes) throw new MailError('unsupported', 'invalid base64 body');
    return decodeBytes(bytes, charset).replace(/\r\n?/g, '\n');
  }
  return raw;
}

function splitMultipart(raw: string, boundary: string): string[] {
  const parts: string[] = [];
  let cur: string[] | undefined;
  for (const line of raw.split('\n')) {
    if (line === `--${boundary}--`) break;
    if (line === `--${boundary}`) {
      if (cur) parts.push(cur.join('\n'));
      cur = [];
    } else cur?.push(line);
  }
  if (cur) parts.push(cur.join('\n'));
  return parts;
}
