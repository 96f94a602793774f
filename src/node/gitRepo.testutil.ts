// Test helper: a throw-away git repository with a fixed identity.
import { execFileSync } from 'node:child_process';

/** Runs git in `repo` as a fixed test author; throws on failure. */
export function gitIn(repo: string): (...args: string[]) => Buffer {
  return (...args) =>
    execFileSync('git', args, {
      cwd: repo,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: {
        ...process.env,
        GIT_AUTHOR_NAME: 't',
        GIT_AUTHOR_EMAIL: 't@x',
        GIT_COMMITTER_NAME: 't',
        GIT_COMMITTER_EMAIL: 't@x',
      },
    });
}
