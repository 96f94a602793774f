import { describe, expect, it } from 'vitest';
import { MailError } from './mailError';
import { formatCommand, sendEmailArgv, shellQuote } from './sendCommand';

const input = {
  draftPath: 'drafts/re patch 3.eml',
  from: { name: 'Rev Iewer', address: 'rev@example.net' },
  inReplyTo: '<c5fd4d10.1667296800.git.author@example.org>',
  to: ['author@example.org'],
  cc: ['linux-nfs@vger.kernel.org', 'reviewer@example.org'],
};

describe('sendEmailArgv', () => {
  it('builds the git send-email argv and a pasteable command', () => {
    const argv = sendEmailArgv(input);
    expect(argv).toEqual([
      'git',
      'send-email',
      '--from=Rev Iewer <rev@example.net>',
      '--in-reply-to=<c5fd4d10.1667296800.git.author@example.org>',
      '--to=author@example.org',
      '--cc=linux-nfs@vger.kernel.org',
      '--cc=reviewer@example.org',
      '--suppress-cc=all',
      '--confirm=always',
      'drafts/re patch 3.eml',
    ]);
    expect(formatCommand(argv)).toBe(
      "git send-email '--from=Rev Iewer <rev@example.net>' " +
        "'--in-reply-to=<c5fd4d10.1667296800.git.author@example.org>' " +
        '--to=author@example.org --cc=linux-nfs@vger.kernel.org --cc=reviewer@example.org ' +
        "--suppress-cc=all --confirm=always 'drafts/re patch 3.eml'",
    );
  });

  it('refuses addresses and ids that could smuggle options or headers', () => {
    expect(() => sendEmailArgv({ ...input, to: ['x@example.org --smtp-server=evil'] })).toThrow(
      MailError,
    );
    expect(() => sendEmailArgv({ ...input, cc: ['a@b@c.org'] })).toThrow(MailError);
    expect(() => sendEmailArgv({ ...input, inReplyTo: '<a@b> --to=x@y' })).toThrow(MailError);
    expect(sendEmailArgv({ ...input, draftPath: '--help' }).at(-1)).toBe('./--help');
  });

  it('quotes for POSIX shells', () => {
    expect(shellQuote("it's")).toBe("'it'\\''s'");
    expect(shellQuote('')).toBe("''");
    expect(shellQuote('$(rm -rf /)')).toBe("'$(rm -rf /)'");
    expect(shellQuote('plain/path.eml')).toBe('plain/path.eml');
  });
});
