import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { MailError } from '../core/mail/mailError';
import { parseMbox } from '../core/mail/rfc2822';
import { buildReviewDraft } from '../core/mail/reviewDraft';
import { closeInodeInline } from '../core/mail/seedChanges.testutil';
import {
  confirmationDetail,
  draftFileName,
  fromInputProblem,
  looksLikeDraft,
  readMailSettings,
  resolveFrom,
  smtpProblem,
  smtpSecretKey,
  summarizeDraft,
  transportLabel,
} from './mailFlow';

const v1 = parseMbox(
  fs.readFileSync(path.resolve(__dirname, '../../test-fixtures/series/v1.mbox')),
);
const draft = buildReviewDraft(v1[3], [closeInodeInline], {
  from: 'Rev Iewer <rev@example.net>',
  date: new Date(Date.UTC(2022, 10, 2, 9)),
  messageIdDomain: 'example.net',
  toolVersion: '0.1.0',
  messageIdLocal: 'flow.1',
});

const settings = (o: Record<string, unknown>) => readMailSettings((k) => o[k]);

describe('readMailSettings', () => {
  it('defaults to git send-email, STARTTLS on 587', () => {
    expect(settings({})).toEqual({
      from: '',
      transport: 'git-send-email',
      smtp: { host: '', port: 587, security: 'starttls', user: '' },
    });
  });

  it('takes valid values and replaces invalid ones by the safe default', () => {
    expect(
      settings({
        'mail.from': ' Rev <rev@example.net> ',
        'mail.transport': 'smtp',
        'mail.smtp.host': 'smtp.example.net',
        'mail.smtp.port': 465,
        'mail.smtp.security': 'tls',
        'mail.smtp.user': 'rev',
      }),
    ).toEqual({
      from: 'Rev <rev@example.net>',
      transport: 'smtp',
      smtp: { host: 'smtp.example.net', port: 465, security: 'tls', user: 'rev' },
    });
    const bad = settings({
      'mail.transport': 'carrier-pigeon',
      'mail.smtp.port': 70000,
      'mail.smtp.security': 'plaintext',
    });
    expect([bad.transport, bad.smtp.port, bad.smtp.security]).toEqual([
      'git-send-email',
      587,
      'starttls',
    ]);
  });
});

describe('resolveFrom', () => {
  it('prefers the setting, then git config, else asks (undefined)', () => {
    const git = { name: 'Git Name', address: 'git@example.org' };
    expect(resolveFrom('Set Name <set@example.org>', git)).toEqual({
      name: 'Set Name',
      address: 'set@example.org',
    });
    expect(resolveFrom('', git)).toEqual(git);
    expect(resolveFrom('', { name: '', address: 'bare@example.org' })).toEqual({
      name: '',
      address: 'bare@example.org',
    });
    expect(resolveFrom('', undefined)).toBeUndefined();
    expect(resolveFrom('', { name: 'x', address: 'not an address' })).toBeUndefined();
  });

  it('rejects a bad setting with a message naming it', () => {
    expect(() => resolveFrom('Me <me@@example.org>', undefined)).toThrow(
      /lifecycleLens\.mail\.from/,
    );
    expect(fromInputProblem('')).toMatch(/Your Name/);
    expect(fromInputProblem('Me <me@example.org>')).toBeUndefined();
    expect(fromInputProblem('Me <me@example.org>\nBcc: x@y.org')).toBeDefined();
  });
});

describe('summarizeDraft and the confirmation', () => {
  it('reads back exactly who the (edited) draft goes to', () => {
    const s = summarizeDraft(draft.text);
    expect(s.from).toEqual({ name: 'Rev Iewer', address: 'rev@example.net' });
    expect(s.to.map((a) => a.address)).toEqual(['author@example.org']);
    expect(s.cc.map((a) => a.address)).toEqual([
      'linux-nfs@vger.kernel.org',
      'reviewer@example.org',
    ]);
    expect(s.inReplyTo).toBe(v1[3].messageId);
    const detail = confirmationDetail(s, transportLabel(settings({})));
    expect(detail).toBe(
      [
        'From: Rev Iewer <rev@example.net>',
        'To: Test Author <author@example.org>',
        'Cc: linux-nfs@vger.kernel.org, Reviewer <reviewer@example.org>',
        'Subject: Re: [PATCH v1 3/5] nfsd: rework filecache refcounting so the refcount drives the lifecycle',
        `In-Reply-To: ${v1[3].messageId}`,
        '',
        'Sent via git send-email. This cannot be undone.',
      ].join('\n'),
    );
    // A recipient the user added while editing shows up in the confirmation.
    const edited = draft.text.replace(/^Cc: /m, 'Cc: added@example.org, ');
    expect(summarizeDraft(edited).cc[0].address).toBe('added@example.org');
  });

  it('refuses drafts that cannot be sent as confirmed', () => {
    const drop = (h: string) => draft.text.replace(new RegExp(`^${h}: .*\\n( .*\\n)*`, 'm'), '');
    expect(() => summarizeDraft(drop('From'))).toThrow(/no From/);
    expect(() => summarizeDraft(drop('In-Reply-To'))).toThrow(/In-Reply-To/);
    expect(() => summarizeDraft(drop('Subject'))).toThrow(/no Subject/);
    expect(() => summarizeDraft(drop('Cc').replace(/^To: .*\n/m, ''))).toThrow(MailError);
    expect(() => summarizeDraft(draft.text.replace(/^To: .*$/m, 'To: a@b@example.org'))).toThrow(
      /more than one @/,
    );
    expect(looksLikeDraft(draft.text)).toBe(true);
    expect(looksLikeDraft('just some text')).toBe(false);
  });
});

describe('SMTP settings and secrets', () => {
  const smtp = settings({
    'mail.transport': 'smtp',
    'mail.smtp.host': 'Smtp.Example.net',
    'mail.smtp.user': 'rev@example.net',
  }).smtp;

  it('binds the stored password to user, host and port', () => {
    expect(smtpSecretKey(smtp)).toBe(
      'lifecycleLens.mail.smtp.password/rev%40example.net@smtp.example.net:587',
    );
    expect(smtpSecretKey({ ...smtp, host: 'evil.example' })).not.toBe(smtpSecretKey(smtp));
    expect(smtpSecretKey({ ...smtp, port: 25 })).not.toBe(smtpSecretKey(smtp));
  });

  it('needs a host, and TLS unless the server is local', () => {
    expect(smtpProblem({ ...smtp, host: '' })).toMatch(/smtp\.host/);
    expect(smtpProblem({ ...smtp, security: 'none' })).toMatch(/refusing to send without TLS/);
    expect(smtpProblem({ ...smtp, host: '127.0.0.1', security: 'none' })).toBeUndefined();
    expect(smtpProblem(smtp)).toBeUndefined();
    expect(transportLabel(settings({ 'mail.transport': 'smtp', 'mail.smtp.host': 'h' }))).toBe(
      'SMTP h:587 (starttls)',
    );
  });
});

describe('draftFileName', () => {
  it('makes a safe .eml name from the subject', () => {
    expect(draftFileName('Re: [PATCH v1 3/5] nfsd: rework filecache refcounting')).toBe(
      're-PATCH-v1-3-5-nfsd-rework-filecache-refcounting.eml',
    );
    expect(draftFileName('Re: ../../etc/passwd')).toBe('re-etc-passwd.eml');
    expect(draftFileName('')).toBe('re-review.eml');
  });
});
