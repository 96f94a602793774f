// The vscode-free part of the mail commands: settings normalised, the sender
// resolved, the draft's headers read back for the confirmation, the SMTP
// secret key, a file name for "Save as .eml". Unit-tested without VS Code.
import { formatAddress, isValidMessageId, parseUserAddress } from '../core/mail/headers';
import { MailError } from '../core/mail/mailError';
import { parseMessage, type MailAddress } from '../core/mail/rfc2822';

export type MailTransport = 'git-send-email' | 'smtp';

export interface MailSettings {
  /** "Name <addr>" from lifecycleLens.mail.from, or "" (then git config). */
  from: string;
  transport: MailTransport;
  smtp: {
    host: string;
    port: number;
    security: 'starttls' | 'tls' | 'none';
    user: string;
  };
}

/** Reads mail settings through `get` (WorkspaceConfiguration.get), with defaults and checks. */
export function readMailSettings(get: (key: string) => unknown): MailSettings {
  const str = (k: string) => {
    const v = get(k);
    return typeof v === 'string' ? v.trim() : '';
  };
  const security = str('mail.smtp.security');
  const port = Number(get('mail.smtp.port'));
  return {
    from: str('mail.from'),
    transport: str('mail.transport') === 'smtp' ? 'smtp' : 'git-send-email',
    smtp: {
      host: str('mail.smtp.host'),
      port: Number.isInteger(port) && port > 0 && port < 65536 ? port : 587,
      security: security === 'tls' || security === 'none' ? security : 'starttls',
      user: str('mail.smtp.user'),
    },
  };
}

/**
 * The reviewer's address: the setting if given (it must parse), else git's
 * identity, else undefined (the command then asks).
 */
export function resolveFrom(
  setting: string,
  git: { name: string; address: string } | undefined,
): MailAddress | undefined {
  if (setting) {
    try {
      return parseUserAddress(setting);
    } catch (e) {
      throw new MailError(
        'bad-address',
        `lifecycleLens.mail.from "${setting}": ${(e as Error).message}`,
      );
    }
  }
  if (!git?.address) return undefined;
  try {
    return parseUserAddress(git.name ? `${git.name} <${git.address}>` : git.address);
  } catch {
    return undefined;
  }
}

/** Validation message for an InputBox asking "Name <addr>", or undefined when fine. */
export function fromInputProblem(text: string): string | undefined {
  if (!text.trim()) return 'Enter "Your Name <you@example.org>"';
  try {
    parseUserAddress(text);
    return undefined;
  } catch (e) {
    return (e as Error).message;
  }
}

/** What the confirmation shows and the sender uses, read back from the (possibly edited) draft. */
export interface DraftSummary {
  from: MailAddress;
  to: MailAddress[];
  cc: MailAddress[];
  subject: string;
  inReplyTo: string;
  messageId?: string;
}

/** Parses the draft as it is now; a MailError says what is missing or wrong. */
export function summarizeDraft(text: string): DraftSummary {
  const m = parseMessage(text);
  if (!m.from) throw new MailError('bad-header', 'the draft has no From header');
  if (!m.to.length && !m.cc.length)
    throw new MailError('no-recipient', 'the draft has no To or Cc recipients');
  if (!m.subject.trim()) throw new MailError('bad-header', 'the draft has no Subject');
  if (!m.inReplyTo || !isValidMessageId(m.inReplyTo))
    throw new MailError(
      'bad-header',
      'the draft has no valid In-Reply-To: it would not thread under the patch',
    );
  // Every address must be one we can put in a header and on a command line.
  for (const a of [m.from, ...m.to, ...m.cc]) formatAddress(a);
  return {
    from: m.from,
    to: m.to,
    cc: m.cc,
    subject: m.subject,
    inReplyTo: m.inReplyTo,
    messageId: m.messageId,
  };
}

const list = (as: MailAddress[]) => (as.length ? as.map(formatAddress).join(', ') : '(none)');

/** The modal's detail text: exactly who gets what, and how it goes out. */
export function confirmationDetail(s: DraftSummary, via: string): string {
  return [
    `From: ${formatAddress(s.from)}`,
    `To: ${list(s.to)}`,
    `Cc: ${list(s.cc)}`,
    `Subject: ${s.subject}`,
    `In-Reply-To: ${s.inReplyTo}`,
    '',
    `Sent via ${via}. This cannot be undone.`,
  ].join('\n');
}

/** How the confirmation names the transport. */
export function transportLabel(s: MailSettings): string {
  return s.transport === 'smtp'
    ? `SMTP ${s.smtp.host || '(no host set)'}:${s.smtp.port} (${s.smtp.security})`
    : 'git send-email';
}

/** Why SMTP settings cannot be used, or undefined. */
export function smtpProblem(s: MailSettings['smtp']): string | undefined {
  if (!s.host) return 'set lifecycleLens.mail.smtp.host to send over SMTP';
  if (s.security === 'none' && !['127.0.0.1', '::1', 'localhost'].includes(s.host))
    return `refusing to send without TLS to ${s.host}: set lifecycleLens.mail.smtp.security to "starttls" or "tls"`;
  return undefined;
}

/**
 * SecretStorage key of the SMTP password: bound to user, host and port, so a
 * workspace that points the host elsewhere never gets a stored password.
 */
export function smtpSecretKey(s: MailSettings['smtp']): string {
  return `lifecycleLens.mail.smtp.password/${encodeURIComponent(s.user)}@${encodeURIComponent(s.host.toLowerCase())}:${s.port}`;
}

/** "re-PATCH-v1-3-5-nfsd-rework-filecache.eml" from the subject; safe on every file system. */
export function draftFileName(subject: string): string {
  const slug = subject
    .replace(/^re:\s*/i, '')
    .replace(/[^A-Za-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 60)
    .replace(/-+$/, '');
  return `re-${slug || 'review'}.eml`;
}

/** Whether a document's text looks like a mail draft (header block, then a body). */
export function looksLikeDraft(text: string): boolean {
  try {
    summarizeDraft(text);
    return true;
  } catch {
    return false;
  }
}
