// Runs git without a shell. Every failure becomes a GitError carrying git's
// own message, so callers can tell the user what went wrong.
import { spawnSync } from 'node:child_process';

export class GitError extends Error {}

export interface GitResult {
  stdout: Buffer;
  stderr: string;
}

export function git(
  args: string[],
  options: { cwd: string; input?: Buffer | string; env?: NodeJS.ProcessEnv },
): GitResult {
  const r = spawnSync('git', args, {
    cwd: options.cwd,
    input: options.input,
    env: {
      ...process.env,
      GIT_TERMINAL_PROMPT: '0',
      GIT_CONFIG_NOSYSTEM: '1',
      LC_ALL: 'C',
      ...options.env,
    },
    maxBuffer: 512 * 1024 * 1024,
  });
  if (r.error) {
    const code = (r.error as NodeJS.ErrnoException).code;
    throw new GitError(
      code === 'ENOENT'
        ? 'git is not installed (it is needed to read revisions and apply patches)'
        : r.error.message,
    );
  }
  const stderr = r.stderr.toString('utf8');
  if (r.status !== 0)
    throw new GitError(stderr.trim() || `git ${args[0]} exited with status ${r.status}`);
  return { stdout: r.stdout, stderr };
}

export function gitText(args: string[], cwd: string): string {
  return git(args, { cwd }).stdout.toString('utf8');
}

/** user.name / user.email from git config as seen in `dir` (repository, then global). */
export function gitIdentity(dir: string): { name: string; address: string } | undefined {
  const get = (key: string) => {
    try {
      return gitText(['config', '--get', key], dir).trim();
    } catch {
      return '';
    }
  };
  const address = get('user.email');
  if (!address) return undefined;
  return { name: get('user.name'), address };
}
