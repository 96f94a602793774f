import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import v1 from '../../test-fixtures/series/v1.mbox?raw';
import { parseMbox } from '../core/mail/rfc2822';
import { buildReviewDraft } from '../core/mail/reviewDraft';
import { sendEmailArgv } from '../core/mail/sendCommand';
import { closeInodeInline } from '../core/mail/seedChanges.testutil';
import { gitSendEmailAvailable, runGitSendEmail } from './sendEmail';

const repo = mkdtempSync(join(tmpdir(), 'll-send-email-'));
execFileSync('git', ['init', '-q', repo]);
// An empty global config: the developer's own sendemail.* settings must not leak in.
const globalConfig = join(repo, 'gitconfig');
writeFileSync(globalConfig, '[user]\n\tname = Rev Iewer\n\temail = rev@example.net\n');
const env = { GIT_CONFIG_GLOBAL: globalConfig, GIT_CONFIG_NOSYSTEM: '1' };
afterAll(() => rmSync(repo, { recursive: true, force: true }));

const available = await gitSendEmailAvailable(repo);
if (!available.ok) console.warn(`skipping git send-email tests: ${available.reason}`);

describe.skipIf(!available.ok)('git send-email --dry-run on a generated draft', () => {
  const patch3 = parseMbox(v1)[3];
  const draft = buildReviewDraft(patch3, [closeInodeInline], {
    from: 'Rev Iewer <rev@example.net>',
    date: new Date(Date.UTC(2022, 10, 2, 9, 0, 0)),
    messageIdDomain: 'example.net',
    toolVersion: '0.1.0',
    messageIdLocal: 'lifecycle-lens.dry.1',
  });
  const path = join(repo, 're-patch-3.eml');
  writeFileSync(path, draft.text);
  const argv = sendEmailArgv({
    draftPath: path,
    from: draft.headers.from,
    inReplyTo: draft.headers.inReplyTo,
    to: draft.headers.to.map((a) => a.address),
    cc: draft.headers.cc.map((a) => a.address),
    // A sendmail that does not exist: even a mistaken real run cannot send.
    extra: ['--smtp-server=/nonexistent/sendmail'],
  });

  it('succeeds and shows the threaded message git would send', async () => {
    const r = await runGitSendEmail(argv, { cwd: repo, dryRun: true, env });
    expect(r.stderr).not.toMatch(/error|fatal/i);
    expect(r.ok).toBe(true);
    expect(r.stdout).toContain('Dry-OK. Log says:');
    expect(r.stdout).toContain(
      'Sendmail: /nonexistent/sendmail -i author@example.org linux-nfs@vger.kernel.org reviewer@example.org',
    );
    expect(r.stdout).toContain('From: Rev Iewer <rev@example.net>');
    expect(r.stdout).toContain(`In-Reply-To: ${patch3.messageId}`);
    expect(r.stdout).toContain('Message-Id: <lifecycle-lens.dry.1@example.net>');
    expect(r.stdout).toContain(
      'Subject: Re: [PATCH v1 3/5] nfsd: rework filecache refcounting so the refcount drives the lifecycle',
    );
    expect(r.stdout).toContain('Result: OK');
  });

  it('refuses a real send without confirmation', async () => {
    await expect(runGitSendEmail(argv, { cwd: repo, dryRun: false, env })).rejects.toThrow(
      /not confirmed/,
    );
  });
});
