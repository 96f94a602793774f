// The launcher's side of the command server (src/cli/server.ts): hands the
// command line to a running server of this build and relays its output and
// exit code. Loaded only when such a server's socket exists; when no server
// answers, or it stops before saying anything, the command runs here instead.
import fs from 'node:fs';
import { FRAME, FrameReader, frame, type RunRequest } from './serverProtocol';
import { writeOut } from './stdio';

/** Exit code when the server stops in the middle of a command (args.ts EXIT.internal). */
const INTERNAL = 4;

/**
 * Runs `argv` on the server listening on `sock`; calls `fallback` (once, with
 * nothing written yet) when no server answers there.
 */
export function runThroughServer(sock: string, argv: string[], fallback: () => void): void {
  // Loaded here, not at start-up: most runs have no server.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const net = require('node:net') as typeof import('node:net');
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const tty = require('node:tty') as typeof import('node:tty');
  const conn = net.createConnection(sock);
  const reader = new FrameReader();
  let answered = false;
  let finished = false;
  const request: RunRequest = {
    kind: 'run',
    argv,
    cwd: process.cwd(),
    env: Object.fromEntries(
      Object.entries(process.env).filter((e): e is [string, string] => e[1] !== undefined),
    ),
    errIsTTY: tty.isatty(2),
  };
  conn.on('connect', () => conn.write(frame(FRAME.request, JSON.stringify(request))));
  conn.on('data', (chunk) => {
    answered = true;
    for (const f of reader.take(chunk)) {
      if (f.type === FRAME.out) writeOut(f.payload);
      else if (f.type === FRAME.err) writeErrBytes(f.payload);
      else if (f.type === FRAME.exit) {
        finished = true;
        process.exitCode = f.payload[0] ?? INTERNAL;
      }
    }
  });
  conn.on('error', () => conn.destroy());
  conn.on('close', () => {
    if (finished) {
      if (process.env.LIFECYCLE_LENS_DEBUG) writeErrBytes(`lifecycle-lens: served by ${sock}\n`);
      return;
    }
    if (!answered) return fallback();
    writeErrBytes('lifecycle-lens: the command server stopped before the command finished\n');
    process.exitCode = INTERNAL;
  });
}

function writeErrBytes(data: string | Uint8Array): void {
  try {
    if (typeof data === 'string') fs.writeSync(2, data);
    else fs.writeSync(2, data);
  } catch {
    process.stderr.write(data);
  }
}
