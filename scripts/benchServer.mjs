// A command server (src/cli/server.ts) for a benchmark's "with a server
// running" rows, in a private socket directory: the user's own server, if
// any, is neither used nor disturbed, and the baseline rows never use one.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

// The rows without a server run every command in its own process.
process.env.LIFECYCLE_LENS_NO_SERVER = '1';

/**
 * A server is long-lived: after some commands V8 has optimised what they run,
 * on its main thread and in its kept extraction worker, as in a reviewer's
 * day of use. Runs each command `rounds` times, untimed.
 */
export function warmServer(commands, rounds) {
  for (let i = 0; i < rounds; i++)
    for (const [cmd, args, env] of commands) spawnSync(cmd, args, { env, stdio: 'ignore' });
}

/** Starts a server of `cli`; `env` makes a command use it, `stop()` ends it. */
export function startServer(cli) {
  const runtime = fs.mkdtempSync(path.join(os.tmpdir(), 'll-bench-rt-'));
  const { LIFECYCLE_LENS_NO_SERVER: _, ...rest } = process.env;
  const env = { ...rest, XDG_RUNTIME_DIR: runtime };
  const r = spawnSync(process.execPath, [cli, 'server', 'start', '--idle-minutes', '30'], {
    env,
    encoding: 'utf8',
  });
  if (r.status !== 0) throw new Error(`lifecycle-lens server start: ${r.stderr}`);
  return {
    env,
    stop() {
      spawnSync(process.execPath, [cli, 'server', 'stop'], { env });
      fs.rmSync(runtime, { recursive: true, force: true });
    },
  };
}
