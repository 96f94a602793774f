// The command server as users run it: the built CLI, real processes, a private
// socket directory. A command served must say exactly what its own process says.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serverSocketPath } from './serverSocket';

const ROOT = path.resolve(__dirname, '../..');
const CLI = path.join(ROOT, 'dist/cli.js');
const FIX = path.join(ROOT, 'test-fixtures');
const design = (d: string) => path.join('designs', d, 'filecache.c');

let runtime: string;
let cache: string;

function run(args: string[], env: Record<string, string> = {}, cwd = FIX) {
  const r = spawnSync(process.execPath, [CLI, ...args], {
    cwd,
    encoding: 'utf8',
    env: {
      ...process.env,
      XDG_RUNTIME_DIR: runtime,
      LIFECYCLE_LENS_CACHE: cache,
      LIFECYCLE_LENS_DEBUG: '1',
      ...env,
    },
    maxBuffer: 64 << 20,
  });
  return { code: r.status, out: r.stdout, err: r.stderr };
}
const here = (args: string[]) => run(args, { LIFECYCLE_LENS_NO_SERVER: '1' });
/** stderr without the launcher's debug lines (which say who ran the command). */
const messages = (err: string) =>
  err
    .split('\n')
    .filter((l) => !/^lifecycle-lens: (code cache|served by|no server answered)/.test(l))
    .join('\n');
const socket = () =>
  serverSocketPath(path.join(ROOT, 'dist/cliMain.js'), path.join(runtime, 'lifecycle-lens'));

beforeAll(() => {
  if (!fs.existsSync(CLI))
    throw new Error('dist/cli.js is missing: run `npm run build` (npm test does)');
  runtime = fs.mkdtempSync(path.join(os.tmpdir(), 'll-rt-'));
  cache = fs.mkdtempSync(path.join(os.tmpdir(), 'll-srv-cache-'));
});
afterAll(() => {
  run(['server', 'stop']);
  fs.rmSync(runtime, { recursive: true, force: true });
  fs.rmSync(cache, { recursive: true, force: true });
});

describe('lifecycle-lens server', () => {
  it("answers as the command's own process does, in the caller's directory", () => {
    const started = run(['server', 'start', '--idle-minutes', '5']);
    expect(started.code).toBe(0);
    expect(started.out).toMatch(
      /^lifecycle-lens: server started: pid \d+, .*\.sock, up 0 min, 0 commands, \d+ MiB\n$/,
    );
    expect(fs.statSync(socket()).mode & 0o777).toBe(0o600);
    expect(fs.statSync(path.join(runtime, 'lifecycle-lens')).mode & 0o777).toBe(0o700);

    const cases = [
      // relative paths: resolved in the client's directory, not the server's
      ['analyze', '--json', design('v5-inline')],
      ['analyze', '--verbose', '--no-facts-cache', design('v4-sentinel')],
      ['compare', '--fail-on', 'warning', design('v4-sentinel'), design('v5-inline')],
      ['compare', '--format', 'review', design('v5-inline'), design('v6-deferred')],
      ['analyze', 'no-such-file.c'],
      ['analyze', '--no-such-option'],
    ];
    for (const args of cases) {
      const served = run(args);
      const own = here(args);
      expect(served.err, args.join(' ')).toContain('served by ');
      expect(own.err).not.toContain('served by ');
      expect({ code: served.code, out: served.out, err: messages(served.err) }).toEqual({
        code: own.code,
        out: own.out,
        err: messages(own.err),
      });
    }
    // the exit codes are the documented ones, not all 0
    expect(here(cases[2]).code).toBe(1);
    expect(here(cases[4]).code).toBe(3);
    expect(here(cases[5]).code).toBe(2);

    // the caller's environment, not the server's: another cache directory
    const other = fs.mkdtempSync(path.join(os.tmpdir(), 'll-srv-other-'));
    const served = run(['analyze', '--verbose', design('v6-deferred')], {
      LIFECYCLE_LENS_CACHE: other,
    });
    expect(served.err).toContain(`read back from ${path.join(other, 'facts')}`);
    fs.rmSync(other, { recursive: true, force: true });

    const status = run(['server', 'status']);
    expect(status.code).toBe(0);
    expect(status.out).toMatch(
      new RegExp(
        `^pid \\d+, ${socket().replace(/\./g, '\\.')}, up \\d+ min, 7 commands, \\d+ MiB\n$`,
      ),
    );
    // other commands are never served
    expect(run(['--version']).err).not.toContain('served by ');

    const stopped = run(['server', 'stop']);
    expect(stopped.out).toMatch(/^lifecycle-lens: server \d+ stopped\n$/);
    expect(fs.existsSync(socket())).toBe(false);
    expect(run(['server', 'status']).code).toBe(3);
    expect(run(['analyze', design('v5-inline')]).err).not.toContain('served by ');
  }, 120_000);

  it('runs the command itself when the server was killed, and a new server replaces the stale socket', () => {
    expect(run(['server', 'start']).code).toBe(0);
    const pid = Number(/pid (\d+)/.exec(run(['server', 'status']).out)?.[1]);
    process.kill(pid, 'SIGKILL');
    for (let i = 0; i < 50 && isAlive(pid); i++) spawnSync('sleep', ['0.1']);
    expect(fs.existsSync(socket())).toBe(true);
    const args = ['analyze', '--json', design('v6-deferred')];
    const r = run(args);
    expect(r.err).toContain('no server answered on ');
    expect({ code: r.code, out: r.out }).toEqual({ code: here(args).code, out: here(args).out });
    expect(run(['server', 'start']).out).toMatch(/^lifecycle-lens: server started: /);
    expect(run(args).err).toContain('served by ');
    expect(run(['server', 'start']).out).toMatch(/^lifecycle-lens: already running: pid /);
    expect(run(['server', 'stop']).code).toBe(0);
  }, 120_000);

  it('never uses a socket directory open to other users', () => {
    const dir = path.join(runtime, 'lifecycle-lens');
    fs.chmodSync(dir, 0o755);
    try {
      const r = run(['server', 'start']);
      expect(r.code).toBe(2);
      expect(r.err).toContain(
        `will not use ${dir} for the server's socket: ${dir} is open to other users (mode 755)`,
      );
      // commands still run, in their own process
      const a = run(['analyze', design('v5-inline')]);
      expect(a.code).toBe(0);
      expect(a.err).not.toContain('served by');
    } finally {
      fs.chmodSync(dir, 0o700);
    }
  }, 60_000);

  it('refuses bad arguments with a usage error', () => {
    expect(run(['server', 'restart'])).toMatchObject({
      code: 2,
      err: expect.stringContaining('server takes one of run, start, stop, status, not "restart"'),
    });
    expect(run(['server', 'start', '--idle-minutes', '0'])).toMatchObject({
      code: 2,
      err: expect.stringContaining('--idle-minutes takes whole minutes from 1 to 1440, not "0"'),
    });
  });
});

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
