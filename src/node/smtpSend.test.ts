import type { AddressInfo } from 'node:net';
import { simpleParser, type AddressObject } from 'mailparser';
import { SMTPServer, type SMTPServerOptions } from 'smtp-server';
import { afterEach, describe, expect, it } from 'vitest';
import v1 from '../../test-fixtures/series/v1.mbox?raw';
import { parseMbox } from '../core/mail/rfc2822';
import { buildReviewDraft } from '../core/mail/reviewDraft';
import { closeInodeInline } from '../core/mail/seedChanges.testutil';
import { sendDraftSmtp, SmtpSendError } from './smtpSend';

interface Received {
  from: string;
  to: string[];
  data: string;
  user?: string;
  secure: boolean;
}

const PASSWORD = 's3cret-Pa55';
const servers: SMTPServer[] = [];

/** A real SMTP server on 127.0.0.1, random port; collects what arrives. */
async function startServer(options: SMTPServerOptions) {
  const received: Received[] = [];
  const server = new SMTPServer({
    ...options,
    logger: false,
    disabledCommands: options.disabledCommands,
    onAuth(auth, _session, cb) {
      if (auth.username === 'rev' && auth.password === PASSWORD) cb(null, { user: 'rev' });
      else cb(new Error('Invalid username or password'));
    },
    onData(stream, session, cb) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        received.push({
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
          to: session.envelope.rcptTo.map((r) => r.address),
          data: Buffer.concat(chunks).toString('utf8'),
          user: typeof session.user === 'string' ? session.user : undefined,
          secure: session.secure,
        });
        cb();
      });
    },
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const port = (server.server.address() as AddressInfo).port;
  return { port, received };
}

afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise<void>((r) => s.close(() => r()))));
});

const patch3 = parseMbox(v1)[3];
const draft = buildReviewDraft(patch3, [closeInodeInline], {
  from: 'Rev Iewer <rev@example.net>',
  date: new Date(Date.UTC(2022, 10, 2, 9, 0, 0)),
  messageIdDomain: 'example.net',
  toolVersion: '0.1.0',
  messageIdLocal: 'lifecycle-lens.smtp.1',
});

function addresses(a: AddressObject | AddressObject[] | undefined): string[] {
  return (Array.isArray(a) ? a : a ? [a] : []).flatMap((x) => x.value.map((v) => v.address ?? ''));
}

async function expectDelivered(r: Received) {
  expect(r.from).toBe('rev@example.net');
  expect(r.to).toEqual(['author@example.org', 'linux-nfs@vger.kernel.org', 'reviewer@example.org']);
  const parsed = await simpleParser(r.data);
  expect(parsed.subject).toBe(
    'Re: [PATCH v1 3/5] nfsd: rework filecache refcounting so the refcount drives the lifecycle',
  );
  expect(parsed.messageId).toBe('<lifecycle-lens.smtp.1@example.net>');
  expect(parsed.inReplyTo).toBe(patch3.messageId);
  expect(parsed.references).toEqual([
    '<cover.1667296800.git.author@example.org>',
    '<c5fd4d106705cacf1ceb49d89e8570f75cbd7cf5.1667296800.git.author@example.org>',
  ]);
  expect(addresses(parsed.to)).toEqual(['author@example.org']);
  expect(addresses(parsed.cc)).toEqual(['linux-nfs@vger.kernel.org', 'reviewer@example.org']);
  expect(parsed.headers.get('content-type')).toMatchObject({ value: 'text/plain' });
  expect(parsed.html).toBe(false);
  expect(parsed.text).toBe(draft.body);
}

describe('SMTP round trip to a local smtp-server', () => {
  it('STARTTLS with authentication: headers, threading and body arrive intact', async () => {
    const { port, received } = await startServer({ authMethods: ['PLAIN', 'LOGIN'] });
    const result = await sendDraftSmtp(
      draft.text,
      { host: '127.0.0.1', port, security: 'starttls', user: 'rev', rejectUnauthorized: false },
      PASSWORD,
    );
    expect(result.accepted).toEqual([
      'author@example.org',
      'linux-nfs@vger.kernel.org',
      'reviewer@example.org',
    ]);
    expect(result.rejected).toEqual([]);
    expect(received).toHaveLength(1);
    expect(received[0].secure).toBe(true);
    expect(received[0].user).toBe('rev');
    await expectDelivered(received[0]);
  });

  it('implicit TLS', async () => {
    const { port, received } = await startServer({ secure: true, authOptional: true });
    await sendDraftSmtp(
      draft.text,
      { host: '127.0.0.1', port, security: 'tls', rejectUnauthorized: false },
      undefined,
    );
    expect(received[0].secure).toBe(true);
    await expectDelivered(received[0]);
  });

  it('a wrong password fails without revealing the password', async () => {
    const { port, received } = await startServer({ authMethods: ['PLAIN'] });
    const wrong = 'not-the-Pa55word';
    const err = await sendDraftSmtp(
      draft.text,
      { host: '127.0.0.1', port, security: 'starttls', user: 'rev', rejectUnauthorized: false },
      wrong,
    ).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(SmtpSendError);
    const message = (err as Error).message;
    expect(message).toMatch(/535|Invalid/);
    expect(message).not.toContain(wrong);
    expect(message).not.toContain(Buffer.from(wrong).toString('base64'));
    expect(received).toHaveLength(0);
  });

  it('STARTTLS required: a server without it is refused', async () => {
    const { port, received } = await startServer({
      disabledCommands: ['STARTTLS'],
      authOptional: true,
    });
    await expect(
      sendDraftSmtp(
        draft.text,
        { host: '127.0.0.1', port, security: 'starttls', rejectUnauthorized: false },
        undefined,
      ),
    ).rejects.toThrow(SmtpSendError);
    expect(received).toHaveLength(0);
  });

  it('refuses plaintext to anything but loopback', async () => {
    await expect(
      sendDraftSmtp(
        draft.text,
        { host: 'smtp.example.org', port: 25, security: 'none' },
        undefined,
      ),
    ).rejects.toThrow(/refusing to send without TLS/);
  });
});
