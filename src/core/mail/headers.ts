// Writing headers safely. Everything that reaches a header may come from a
// hostile patch mail (names, subjects, ids), so: no CR/LF or other controls
// survive, non-ASCII and anything resembling an encoded word is re-encoded,
// addresses are validated strictly, and long lines are folded.
import { encodeWords } from './encodedWords';
import { MailError } from './mailError';
import type { MailAddress } from './rfc2822';

/** RFC 5322 recommends at most 78 characters per line. */
const FOLD_WIDTH = 78;

/** Code points that must never reach a header: C0 controls (CR, LF...), DEL, NEL, line/paragraph separators, bidi overrides. */
export function isUnsafeChar(code: number): boolean {
  return (
    code < 0x20 ||
    code === 0x7f ||
    code === 0x85 ||
    code === 0x2028 ||
    code === 0x2029 ||
    code === 0x200e ||
    code === 0x200f ||
    (code >= 0x202a && code <= 0x202e) ||
    (code >= 0x2066 && code <= 0x2069)
  );
}

/** Replaces CR, LF, other controls and bidi overrides with spaces; collapses runs of whitespace. */
export function neutralizeText(text: string): string {
  let out = '';
  // Bidi overrides too: they make a header display differently from what it says.
  for (const ch of text) out += isUnsafeChar(ch.charCodeAt(0)) ? ' ' : ch;
  return out.replace(/\s+/g, ' ').trim();
}

/** Whether `text` must be sent as encoded words (non-ASCII, or something a decoder would decode). */
function needsEncoding(text: string): boolean {
  return /[^\x20-\x7E]/.test(text) || text.includes('=?');
}

/** An unstructured header value (Subject): neutralised, encoded if needed. */
export function encodeUnstructured(text: string): string {
  const clean = neutralizeText(text);
  return needsEncoding(clean) ? encodeWords(clean) : clean;
}

/** A display name as an atom, quoted string, or encoded words. */
export function encodeDisplayName(name: string): string {
  const clean = neutralizeText(name);
  if (!clean) return '';
  if (needsEncoding(clean)) return encodeWords(clean);
  if (/^[A-Za-z0-9!#$%&'*+\-/=?^_`{|}~ ]+$/.test(clean)) return clean;
  return `"${clean.replace(/(["\\])/g, '\\$1')}"`;
}

const LOCAL_PART = /^[A-Za-z0-9!#$%&'*+\-/=?^_`{|}~]+(\.[A-Za-z0-9!#$%&'*+\-/=?^_`{|}~]+)*$/;
const DOMAIN =
  /^(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/;

/** Why `address` cannot be used, or undefined when it is a plain addr-spec. */
export function addressProblem(address: string): string | undefined {
  if (/[\r\n]/.test(address)) return 'contains a line break';
  if ([...address].some((ch) => isUnsafeChar(ch.charCodeAt(0))))
    return 'contains control characters';
  if (/[<>]/.test(address)) return 'contains angle brackets';
  if (/[^\x21-\x7E]/.test(address)) return 'contains spaces or non-ASCII characters';
  const at = address.split('@');
  if (at.length !== 2) return at.length < 2 ? 'has no @' : 'has more than one @';
  const [local, domain] = at;
  if (!local || local.length > 64 || !LOCAL_PART.test(local)) return 'has an invalid local part';
  if (!DOMAIN.test(domain)) return 'has an invalid domain';
  return undefined;
}

/** Throws MailError('bad-address') unless `address` is a plain addr-spec. */
export function validateAddress(address: string): string {
  const problem = addressProblem(address);
  if (problem)
    throw new MailError('bad-address', `address "${neutralizeText(address)}" ${problem}`);
  return address;
}

/** `Name <addr>` (or just `addr`), validated and encoded. */
export function formatAddress(a: MailAddress): string {
  validateAddress(a.address);
  const name = encodeDisplayName(a.name);
  return name ? `${name} <${a.address}>` : a.address;
}

/** Parses "Name <addr>" or "addr" as typed by a user (settings, git config). */
export function parseUserAddress(text: string): MailAddress {
  const m = /^\s*(.*?)\s*<([^<>]*)>\s*$/.exec(text);
  const a: MailAddress = m
    ? { name: m[1].replace(/^"(.*)"$/, '$1'), address: m[2].trim() }
    : { name: '', address: text.trim() };
  validateAddress(a.address);
  return a;
}

const MSG_ID = /^<[A-Za-z0-9!#$%&'*+\-/=?^_`{|}~.]+@[A-Za-z0-9!#$%&'*+\-/=?^_`{|}~.[\]:]+>$/;

export function isValidMessageId(id: string): boolean {
  return id.length <= 250 && MSG_ID.test(id);
}

export function validateMessageId(id: string): string {
  if (!isValidMessageId(id))
    throw new MailError('bad-header', `"${neutralizeText(id)}" is not a valid Message-ID`);
  return id;
}

/**
 * `Name: value`, folded at whitespace to at most 78 columns where possible.
 * `value` must already be encoded; CR/LF are rejected rather than trusted.
 * `units`, when given, are the pieces (joined by spaces) that may not be split.
 */
export function foldHeader(name: string, value: string, units?: string[]): string {
  if (!/^[A-Za-z][A-Za-z0-9-]*$/.test(name))
    throw new MailError('bad-header', `"${neutralizeText(name)}" is not a header name`);
  if (/[\r\n]/.test(value))
    throw new MailError('bad-header', `${name}: value contains a line break`);
  // Units never split: words, or whole addresses for address lists.
  const words = (units ?? value.split(' ')).filter((w) => w !== '');
  const lines: string[] = [];
  let cur = `${name}:`;
  for (const w of words) {
    if (cur.length + 1 + w.length > FOLD_WIDTH && cur.trim() !== `${name}:`) {
      lines.push(cur);
      cur = ` ${w}`;
    } else cur += ` ${w}`;
  }
  lines.push(cur);
  return lines.join('\n');
}

/** An unstructured header (Subject, X-*). */
export function textHeader(name: string, value: string): string {
  return foldHeader(name, encodeUnstructured(value));
}

/** An address header; every address is validated. */
export function addressHeader(name: string, addresses: MailAddress[]): string {
  const list = addresses.map(formatAddress);
  const units = list.map((a, i) => (i < list.length - 1 ? `${a},` : a));
  return foldHeader(name, units.join(' '), units);
}

/** A header of message ids (Message-ID, In-Reply-To, References). */
export function messageIdHeader(name: string, ids: string[]): string {
  return foldHeader(name, ids.map(validateMessageId).join(' '));
}

const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** RFC 5322 date in UTC: "Tue, 01 Nov 2022 10:03:00 +0000". */
export function formatDate(d: Date): string {
  if (Number.isNaN(d.getTime())) throw new MailError('bad-header', 'invalid date');
  const p = (n: number) => String(n).padStart(2, '0');
  return (
    `${DAYS[d.getUTCDay()]}, ${p(d.getUTCDate())} ${MONTHS[d.getUTCMonth()]} ${d.getUTCFullYear()} ` +
    `${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())} +0000`
  );
}
