// Sends a reviewed draft over SMTP (nodemailer), only when the user asked and
// confirmed. The draft is sent byte-for-byte as written (raw), so what the
// user edited is what arrives. The password is a parameter (the extension
// keeps it in SecretStorage) and never appears in errors or logs.
import nodemailer from 'nodemailer';
import { parseMessage } from '../core/mail/rfc2822';
import { validateAddress } from '../core/mail/headers';

export interface SmtpSettings {
  host: string;
  port: number;
  /** "tls": implicit TLS (usually 465); "starttls": upgrade required (587); "none": loopback only. */
  security: 'tls' | 'starttls' | 'none';
  user?: string;
  /** Accept self-signed certificates (test servers). Default true: verify. */
  rejectUnauthorized?: boolean;
  /** Name sent in EHLO; nodemailer's default is the machine's host name. */
  clientName?: string;
  timeoutMs?: number;
}

export interface SmtpSendResult {
  messageId: string;
  accepted: string[];
  rejected: string[];
  response: string;
}

export class SmtpSendError extends Error {}

const LOOPBACK = new Set(['127.0.0.1', '::1', 'localhost']);

function scrub(text: string, password: string | undefined): string {
  if (!password) return text;
  const b64 = (s: string) => Buffer.from(s, 'utf8').toString('base64');
  let out = text;
  for (const secret of [password, b64(password)]) out = out.split(secret).join('***');
  return out;
}

/** Envelope recipients from the draft's To and Cc: exactly who the user saw. */
export function draftEnvelope(draftText: string): { from: string; to: string[]; subject: string } {
  const m = parseMessage(draftText);
  if (!m.from) throw new SmtpSendError('the draft has no From header');
  const to = [...m.to, ...m.cc].map((a) => validateAddress(a.address));
  if (!to.length) throw new SmtpSendError('the draft has no recipients');
  return { from: validateAddress(m.from.address), to, subject: m.subject };
}

export async function sendDraftSmtp(
  draftText: string,
  settings: SmtpSettings,
  password: string | undefined,
): Promise<SmtpSendResult> {
  if (settings.security === 'none' && !LOOPBACK.has(settings.host))
    throw new SmtpSendError(
      `refusing to send without TLS to ${settings.host}: use "starttls" or "tls"`,
    );
  const envelope = draftEnvelope(draftText);
  const transport = nodemailer.createTransport({
    host: settings.host,
    port: settings.port,
    secure: settings.security === 'tls',
    requireTLS: settings.security === 'starttls',
    ignoreTLS: settings.security === 'none',
    auth: settings.user ? { user: settings.user, pass: password ?? '' } : undefined,
    tls: { rejectUnauthorized: settings.rejectUnauthorized ?? true },
    name: settings.clientName,
    connectionTimeout: settings.timeoutMs ?? 30_000,
    greetingTimeout: settings.timeoutMs ?? 30_000,
    socketTimeout: settings.timeoutMs ?? 60_000,
    logger: false,
    debug: false,
  });
  try {
    const info = await transport.sendMail({
      envelope: { from: envelope.from, to: envelope.to },
      raw: draftText.replace(/\r?\n/g, '\r\n'),
    });
    const list = (xs: unknown[]) => xs.map((x) => (typeof x === 'string' ? x : JSON.stringify(x)));
    return {
      messageId: String(info.messageId ?? ''),
      accepted: list(info.accepted),
      rejected: list(info.rejected),
      response: String(info.response ?? ''),
    };
  } catch (e) {
    throw new SmtpSendError(scrub(e instanceof Error ? e.message : String(e), password));
  } finally {
    transport.close();
  }
}
