// The `git send-email` command for a saved draft: built here, printed by the
// CLI, run (after confirmation) by src/node/sendEmail.ts. Never run from core.
import { formatAddress, validateAddress, validateMessageId } from './headers';
import type { MailAddress } from './rfc2822';

export interface SendCommandInput {
  /** Path of the saved .eml draft. */
  draftPath: string;
  /** The draft's sender, so git writes the same From and adds no in-body From line. */
  from: MailAddress;
  inReplyTo: string;
  to: string[];
  cc: string[];
  /** Extra options appended before the file (e.g. "--dry-run", "--smtp-server=..."). */
  extra?: string[];
}

/**
 * argv for `git send-email`. --suppress-cc=all: only the recipients we list;
 * --confirm=always: git asks once more before sending. Addresses and the id
 * are validated, so nothing here can smuggle in another option.
 */
export function sendEmailArgv(input: SendCommandInput): string[] {
  const path = input.draftPath.startsWith('-') ? `./${input.draftPath}` : input.draftPath;
  return [
    'git',
    'send-email',
    `--from=${formatAddress(input.from)}`,
    `--in-reply-to=${validateMessageId(input.inReplyTo)}`,
    ...input.to.map((a) => `--to=${validateAddress(a)}`),
    ...input.cc.map((a) => `--cc=${validateAddress(a)}`),
    '--suppress-cc=all',
    '--confirm=always',
    ...(input.extra ?? []),
    path,
  ];
}

/** POSIX shell quoting of one argument, for printing a command a user can paste. */
export function shellQuote(arg: string): string {
  if (arg !== '' && /^[A-Za-z0-9_/.,:=@%+-]+$/.test(arg)) return arg;
  return `'${arg.replace(/'/g, `'\\''`)}'`;
}

export function formatCommand(argv: string[]): string {
  return argv.map(shellQuote).join(' ');
}
