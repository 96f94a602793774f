// Runs `git send-email` on a saved draft: a --dry-run to check it, or a real
// send after the user confirmed recipients and subject in our own UI. The
// argv comes from core/mail/sendCommand.ts; no shell is involved.
import { execFile } from 'node:child_process';

export interface GitSendEmailResult {
  ok: boolean;
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface GitSendEmailOptions {
  cwd: string;
  /** Adds --dry-run: git prints what it would send and sends nothing. */
  dryRun: boolean;
  /**
   * Required for a real send: the user has seen recipients and subject and
   * said yes. git's own prompt is then turned off (--confirm=never) because
   * there is no terminal to answer it.
   */
  confirmed?: boolean;
  /** Extra environment (e.g. GIT_CONFIG_GLOBAL for tests). */
  env?: NodeJS.ProcessEnv;
  timeoutMs?: number;
}

function run(args: string[], opts: { cwd: string; env?: NodeJS.ProcessEnv; timeoutMs?: number }) {
  return new Promise<GitSendEmailResult>((resolve) => {
    const child = execFile(
      'git',
      args,
      {
        cwd: opts.cwd,
        env: { ...process.env, GIT_TERMINAL_PROMPT: '0', LC_ALL: 'C', ...opts.env },
        timeout: opts.timeoutMs ?? 60_000,
        maxBuffer: 16 * 1024 * 1024,
      },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : null) : 0;
        resolve({ ok: !error, code, stdout, stderr: stderr || (error?.message ?? '') });
      },
    );
    // No terminal: git must never wait for an answer on stdin.
    child.stdin?.end();
  });
}

/** Whether `git send-email` can run here (Debian: package git-email), with the reason if not. */
export async function gitSendEmailAvailable(
  cwd: string,
): Promise<{ ok: boolean; reason?: string }> {
  const r = await run(['send-email', '--help'], { cwd, timeoutMs: 20_000 });
  if (r.ok) return { ok: true };
  const why = (r.stderr || r.stdout).trim().split('\n')[0];
  return { ok: false, reason: `git send-email is not available (${why || `exit ${r.code}`})` };
}

/** Runs the argv from sendEmailArgv() (starting with "git", "send-email"). */
export async function runGitSendEmail(
  argv: string[],
  opts: GitSendEmailOptions,
): Promise<GitSendEmailResult> {
  if (argv[0] !== 'git' || argv[1] !== 'send-email')
    throw new Error('expected a "git send-email" argv from sendEmailArgv()');
  if (!opts.dryRun && !opts.confirmed)
    throw new Error('refusing to send: the user has not confirmed recipients and subject');
  const fileArg = argv[argv.length - 1];
  const options = argv.slice(1, -1).filter((a) => !a.startsWith('--confirm='));
  const args = [...options, '--confirm=never', ...(opts.dryRun ? ['--dry-run'] : []), fileArg];
  return run(args, opts);
}
