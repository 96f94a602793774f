// The one error type the mail modules throw: callers (CLI, extension) show
// `message` to the user and may branch on `code`. Anything else escaping from
// src/core/mail is a bug.

export type MailErrorCode =
  | 'empty' // no content at all
  | 'binary' // NUL bytes or other non-text content
  | 'no-headers' // first line is not a header (nor an mbox From line)
  | 'malformed-header' // a header line without a name or colon
  | 'truncated' // headers not terminated, or a hunk cut short
  | 'not-a-patch' // no diff in the body where one was required
  | 'unsupported' // an encoding or structure we do not handle
  | 'bad-address' // an address that cannot safely go into a header
  | 'bad-header' // a header name or value that cannot be emitted safely
  | 'no-recipient'; // a reply with nobody to send it to

export class MailError extends Error {
  readonly code: MailErrorCode;

  constructor(code: MailErrorCode, message: string) {
    super(message);
    this.name = 'MailError';
    this.code = code;
  }
}
