// `lifecycle-lens draft` as users run it: the built bundle on the fixture
// series, real git, the .eml written whole and the send command printed.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { simpleParser } from 'mailparser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const ROOT = path.resolve(__dirname, '../..');
const CLI = path.join(ROOT, 'dist/cli.js');
const SERIES = path.join(ROOT, 'test-fixtures/series');
const EXPECTED = path.join(ROOT, 'test-fixtures/mail/expected');

let tmp: string;
let gitconfig: string;
let env: NodeJS.ProcessEnv;

function run(args: string[], extraEnv: NodeJS.ProcessEnv = {}) {
  const r = spawnSync(process.execPath, [CLI, ...args], {
    cwd: tmp,
    encoding: 'utf8',
    env: { ...env, ...extraEnv },
    maxBuffer: 64 << 20,
  });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

const body = (eml: string) => eml.slice(eml.indexOf('\n\n') + 2);
const expected = (f: string) => fs.readFileSync(path.join(EXPECTED, f), 'utf8');

beforeAll(() => {
  if (!fs.existsSync(CLI))
    throw new Error('dist/cli.js is missing: run `npm run build` (npm test does)');
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'll-draft-'));
  gitconfig = path.join(tmp, 'gitconfig');
  fs.writeFileSync(
    gitconfig,
    '[user]\n\tname = Git Reviewer\n\temail = git.reviewer@example.net\n',
  );
  // No user or system git configuration leaks in: identity comes from this file only.
  env = {
    ...process.env,
    HOME: tmp,
    XDG_CONFIG_HOME: tmp,
    GIT_CONFIG_NOSYSTEM: '1',
    GIT_CONFIG_GLOBAL: gitconfig,
  };
});
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

describe('lifecycle-lens draft', () => {
  it('--cover: the v2 cover reply listing every change v1 -> v2, and the send command', async () => {
    const out = path.join(tmp, 'cover.eml');
    const r = run([
      'draft',
      '--base',
      path.join(SERIES, 'base'),
      '--previous',
      path.join(SERIES, 'v1.mbox'),
      '--series',
      path.join(SERIES, 'v2.mbox'),
      '--cover',
      '--from',
      'Rev Iewer <rev@example.net>',
      '-o',
      out,
      '-q',
    ]);
    expect(r.err).toContain('wrote cover.eml');
    expect(r.code).toBe(0);
    const eml = fs.readFileSync(out, 'utf8');
    expect(body(eml)).toBe(expected('v2-cover-real.txt'));
    expect(r.out).toBe(
      "git send-email '--from=Rev Iewer <rev@example.net>' " +
        "'--in-reply-to=<cover.1667901600.git.author@example.org>' " +
        '--to=author@example.org --cc=linux-nfs@vger.kernel.org --cc=reviewer@example.org ' +
        '--suppress-cc=all --confirm=always cover.eml\n',
    );
    const parsed = await simpleParser(eml);
    expect(parsed.subject).toBe('Re: [PATCH v2 0/5] nfsd: rework filecache refcounting');
    expect(parsed.inReplyTo).toBe('<cover.1667901600.git.author@example.org>');
    expect(parsed.messageId).toMatch(/@example\.net>$/);
    // Written whole: no temporary file left beside it.
    expect(fs.readdirSync(tmp).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });

  it('--cover --replies: what v2 did with each change the replies to v1 raised', () => {
    const out = path.join(tmp, 'cover-replies.eml');
    const args = [
      'draft',
      '--base',
      path.join(SERIES, 'base'),
      '--previous',
      path.join(SERIES, 'v1.mbox'),
      '--series',
      path.join(SERIES, 'v2.mbox'),
      '--cover',
      '--from',
      'Rev Iewer <rev@example.net>',
      '--replies',
      path.join(SERIES, 'replies/v1-review.mbox'),
    ];
    const r = run([...args, '-o', out, '-q']);
    expect(r.code).toBe(0);
    expect(body(fs.readFileSync(out, 'utf8'))).toBe(expected('v2-cover-replies.txt'));
    // The replies are to the previous version: a patch reply or no --previous cannot use them.
    const bad = run([...args.filter((a) => a !== '--cover'), '--patch', '3']);
    expect([bad.code, bad.err.trim()]).toEqual([
      2,
      'lifecycle-lens: --replies goes with --previous vN-1.mbox and --cover',
    ]);
  });

  it('--patch 3: the reply to v1 patch 3/5 against the base, From taken from git config', async () => {
    const out = path.join(tmp, 'patch3.eml');
    const r = run([
      'draft',
      '--base',
      path.join(SERIES, 'base'),
      '--series',
      path.join(SERIES, 'v1.mbox'),
      '--patch',
      '3',
      '-o',
      out,
    ]);
    expect(r.code).toBe(0);
    expect(r.err).toContain('applying v1 (5 patches)');
    const eml = fs.readFileSync(out, 'utf8');
    expect(body(eml)).toBe(expected('v1-patch3-real.txt'));
    const parsed = await simpleParser(eml);
    expect(parsed.from?.value).toEqual([
      { name: 'Git Reviewer', address: 'git.reviewer@example.net' },
    ]);
    expect(parsed.subject).toBe(
      'Re: [PATCH v1 3/5] nfsd: rework filecache refcounting so the refcount drives the lifecycle',
    );
    expect(parsed.inReplyTo).toBe(
      '<c5fd4d106705cacf1ceb49d89e8570f75cbd7cf5.1667296800.git.author@example.org>',
    );
    expect(r.out).toMatch(/^git send-email '--from=Git Reviewer <git\.reviewer@example\.net>' /);
    expect(r.out.trimEnd().endsWith(' patch3.eml')).toBe(true);
  });

  it('without -o: the draft on stdout, the command on stderr', () => {
    const r = run([
      'draft',
      '--base',
      path.join(SERIES, 'base'),
      '--series',
      path.join(SERIES, 'v1.mbox'),
      '--patch',
      '1',
      '--from',
      'rev@example.net',
      '-q',
    ]);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^From: rev@example\.net\nTo: Test Author <author@example\.org>\n/);
    expect(r.out).toContain('Subject: Re: [PATCH v1 1/5] nfsd: add helpers for an LRU');
    expect(r.err).toContain('git send-email --from=rev@example.net ');
  });

  it('no --from and no git identity: a clear error, exit 2, nothing written', () => {
    const out = path.join(tmp, 'none.eml');
    const empty = path.join(tmp, 'empty-gitconfig');
    fs.writeFileSync(empty, '');
    const r = run(
      [
        'draft',
        '--base',
        path.join(SERIES, 'base'),
        '--series',
        path.join(SERIES, 'v1.mbox'),
        '--cover',
        '-o',
        out,
      ],
      { GIT_CONFIG_GLOBAL: empty },
    );
    expect(r.code).toBe(2);
    expect(r.err).toContain(
      'no sender: pass --from "Name <addr>" or set git config user.name and user.email',
    );
    expect(fs.existsSync(out)).toBe(false);
  });

  it('bad requests: exit 2 (the command cannot run), as series does for a bad mbox', () => {
    const base = ['draft', '--base', path.join(SERIES, 'base'), '--from', 'r@example.net', '-q'];
    const v1 = ['--series', path.join(SERIES, 'v1.mbox')];
    const both = run([...base, ...v1, '--patch', '3', '--cover']);
    expect([both.code, both.err]).toEqual([
      2,
      'lifecycle-lens: draft replies to one mail: give --patch M or --cover, not both\n',
    ]);
    expect(run([...base, ...v1]).code).toBe(2);
    expect(run([...base, '--patch', '3']).err).toContain('draft needs --series');
    expect(run([...base, ...v1, '--patch', 'three']).code).toBe(2);
    expect(run([...base, ...v1, '--patch', '3', '--from', 'a@b@c']).code).toBe(2);
    const nine = run([...base, ...v1, '--patch', '9']);
    expect([nine.code, nine.err]).toEqual([
      2,
      `lifecycle-lens: ${path.join(SERIES, 'v1.mbox')}: the series has no patch 9 (patches: 1, 2, 3, 4, 5)\n`,
    ]);
    const notMail = run([
      ...base,
      '--series',
      path.join(SERIES, 'base/fs/nfsd/filecache.c'),
      '--cover',
    ]);
    expect(notMail.code).toBe(2);
    expect(notMail.err).toContain('not an mbox');
  });
});
