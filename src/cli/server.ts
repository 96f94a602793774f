// `lifecycle-lens server`: a process that runs `analyze`, `compare` and
// `series` for the command line, one at a time, with its compilers warm.
// A one-file `analyze` spends most of its time starting Node, loading the
// bundle and running code before V8 has optimised it; a client that hands its
// command line to a running server skips all of that (src/cli/serverClient.ts).
// The server runs the very same command code on the client's working
// directory and environment, reading every input afresh: it keeps no results
// between commands, so its answers are those of a process of its own.
//
// It is started by hand (`server start`), never behind the user's back, and
// stops after --idle-minutes without a command, when its bundle is rebuilt or
// removed, when asked (`server stop`), or on SIGINT/SIGTERM.
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { spawn } from 'node:child_process';
import { defaultCacheDir } from '../node/cacheDir';
import { keepOptimising } from '../node/compilerTiering';
import { keepExtractionWorkerWarm } from '../node/extractWorkerPool';
import { EXIT, UsageError, type CliArgs } from './args';
import {
  FRAME,
  FrameReader,
  MAX_REQUEST_BYTES,
  frame,
  parseRequest,
  type RunRequest,
  type ServerRequest,
} from './serverProtocol';
import {
  SERVED_COMMANDS,
  serverSocketDir,
  serverSocketPath,
  unsafeSocketDir,
} from './serverSocket';
import { setOutputSink, writeErr, writeOut } from './stdio';

export const DEFAULT_IDLE_MINUTES = 30;
/** A server grown beyond this stops after its command (the next run starts afresh). */
const MAX_RSS_BYTES = 3 * 2 ** 30;
const BUILD_CHECK_MS = 20_000;

type RunCommand = (argv: string[]) => Promise<number>;

export async function runServer(args: CliArgs, run: RunCommand): Promise<number> {
  const action = args.paths[0] ?? 'run';
  if (args.paths.length > 1) throw new UsageError('server takes one of run, start, stop, status');
  const bundle = path.join(__dirname, 'cliMain.js');
  const dir = serverSocketDir();
  const idleMinutes = args.idleMinutes ?? DEFAULT_IDLE_MINUTES;
  switch (action) {
    case 'run':
      return serve(bundle, socketDirFor(dir, true), idleMinutes, run);
    case 'start':
      return start(bundle, socketDirFor(dir, true), idleMinutes);
    case 'stop':
    case 'status': {
      const sock = serverSocketPath(bundle, socketDirFor(dir, false));
      const answer = await ask(sock, { kind: action });
      if (answer === undefined) {
        writeOut(`lifecycle-lens: no server of this build is running (${sock})\n`);
        return action === 'stop' ? EXIT.ok : EXIT.input;
      }
      writeOut(answer);
      return EXIT.ok;
    }
    default:
      throw new UsageError(`server takes one of run, start, stop, status, not "${action}"`);
  }
}

/** The socket directory, created (mode 0700) when `create`; refused when unsafe. */
function socketDirFor(dir: string, create: boolean): string {
  if (create) fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  const unsafe = unsafeSocketDir(dir);
  if (unsafe && (create || fs.existsSync(dir)))
    throw new UsageError(`will not use ${dir} for the server's socket: ${unsafe}`);
  return dir;
}

/** Sends `request`; the text answered, or undefined when no server listens. */
function ask(sock: string, request: ServerRequest): Promise<string | undefined> {
  return new Promise((resolve) => {
    const conn = net.createConnection(sock);
    const reader = new FrameReader();
    let text = '';
    conn.on('connect', () => conn.write(frame(FRAME.request, JSON.stringify(request))));
    conn.on('data', (chunk) => {
      for (const f of reader.take(chunk)) if (f.type === FRAME.out) text += f.payload.toString();
    });
    conn.on('error', () => resolve(undefined));
    conn.on('close', () => resolve(text));
  });
}

/** `server start`: a detached server, once it answers; its log in the cache directory. */
async function start(bundle: string, dir: string, idleMinutes: number): Promise<number> {
  const sock = serverSocketPath(bundle, dir);
  const running = await ask(sock, { kind: 'status' });
  if (running !== undefined) {
    writeOut(`lifecycle-lens: already running: ${running}`);
    return EXIT.ok;
  }
  const logFile = path.join(defaultCacheDir(), 'server.log');
  fs.mkdirSync(path.dirname(logFile), { recursive: true });
  const log = fs.openSync(logFile, 'a');
  const script = process.argv[1] ?? path.join(__dirname, 'cli.js');
  const child = spawn(
    process.execPath,
    [script, 'server', 'run', '--idle-minutes', String(idleMinutes)],
    { detached: true, stdio: ['ignore', log, log], env: process.env },
  );
  fs.closeSync(log);
  let exited: number | null | undefined;
  child.on('exit', (code) => (exited = code));
  child.unref();
  for (let waited = 0; waited < 15_000 && exited === undefined; waited += 100) {
    const status = await ask(sock, { kind: 'status' });
    if (status !== undefined) {
      writeOut(`lifecycle-lens: server started: ${status}`);
      return EXIT.ok;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  const tail = fs.readFileSync(logFile, 'utf8').trimEnd().split('\n').slice(-5).join('\n');
  writeErr(`lifecycle-lens: the server did not start (log ${logFile}):\n${tail}\n`);
  return EXIT.internal;
}

/** `server run`: serves in this process until it stops; the reason is logged. */
async function serve(bundle: string, dir: string, idleMinutes: number, run: RunCommand) {
  const sock = serverSocketPath(bundle, dir);
  if ((await ask(sock, { kind: 'status' })) !== undefined)
    throw new UsageError(`a server of this build is already running (${sock})`);
  // Nothing answered: a socket file left by a server that was killed.
  fs.rmSync(sock, { force: true });
  keepOptimising();
  keepExtractionWorkerWarm();
  const built = fs.statSync(bundle);
  const startedAt = Date.now();
  let served = 0;
  let queue = Promise.resolve();
  let idle: NodeJS.Timeout | undefined;
  let stopping: ((why: string) => void) | undefined;
  const server = net.createServer((conn) => {
    const reader = new FrameReader(MAX_REQUEST_BYTES);
    conn.on('error', () => conn.destroy());
    conn.on('data', (chunk) => {
      let request: ServerRequest | string | undefined;
      try {
        const first = reader.take(chunk)[0];
        if (!first) return;
        request = first.type === FRAME.request ? parseRequest(first.payload) : 'not a request';
      } catch (e) {
        request = (e as Error).message;
      }
      conn.removeAllListeners('data');
      if (typeof request === 'string') {
        reply(conn, `lifecycle-lens: server: ${request}\n`, EXIT.usage, FRAME.err);
      } else if (request.kind === 'status') {
        const rss = Math.round(process.memoryUsage.rss() / 1048576);
        const minutes = Math.round((Date.now() - startedAt) / 60000);
        reply(
          conn,
          `pid ${process.pid}, ${sock}, up ${minutes} min, ${served} commands, ${rss} MiB\n`,
          EXIT.ok,
        );
      } else if (request.kind === 'stop') {
        reply(conn, `lifecycle-lens: server ${process.pid} stopped\n`, EXIT.ok);
        stopping?.('asked to stop');
      } else {
        const req = request;
        clearTimeout(idle);
        queue = queue.then(async () => {
          await serveRun(conn, req, run);
          served++;
          if (process.memoryUsage.rss() > MAX_RSS_BYTES) stopping?.('grown beyond 3 GiB');
          else armIdle();
        });
      }
    });
  });
  const armIdle = () => {
    clearTimeout(idle);
    idle = setTimeout(() => stopping?.(`idle for ${idleMinutes} min`), idleMinutes * 60000);
  };
  const why = await new Promise<string>((resolve, reject) => {
    server.once('error', reject);
    server.listen(sock, () => {
      fs.chmodSync(sock, 0o600);
      stopping = resolve;
      armIdle();
      writeErr(
        `lifecycle-lens: server ${process.pid} serving ${[...SERVED_COMMANDS].join(', ')} on ${sock}; stops after ${idleMinutes} idle minutes\n`,
      );
    });
    const check = setInterval(() => {
      const now = fs.statSync(bundle, { throwIfNoEntry: false });
      if (!now || now.size !== built.size || now.mtimeMs !== built.mtimeMs)
        resolve(`${bundle} was rebuilt or removed`);
    }, BUILD_CHECK_MS);
    check.unref();
    for (const signal of ['SIGINT', 'SIGTERM'] as const)
      process.once(signal, () => resolve(`${signal} received`));
  });
  clearTimeout(idle);
  await new Promise<void>((resolve) => server.close(() => resolve()));
  fs.rmSync(sock, { force: true });
  await queue;
  writeErr(`lifecycle-lens: server ${process.pid} stopped: ${why}\n`);
  return EXIT.ok;
}

function reply(conn: net.Socket, text: string, code: number, type: number = FRAME.out): void {
  if (!conn.writable) return;
  conn.write(frame(type as 1 | 2, text));
  conn.end(frame(FRAME.exit, Uint8Array.of(code)));
}

/**
 * One command line, run as its own process would run it: in the client's
 * directory and environment, its output sent to the client as it is written.
 */
async function serveRun(conn: net.Socket, req: RunRequest, run: RunCommand): Promise<void> {
  if (conn.destroyed) return;
  if (!SERVED_COMMANDS.has(req.argv[0] ?? '')) {
    reply(conn, `lifecycle-lens: server: "${req.argv[0]}" is not served\n`, EXIT.usage, FRAME.err);
    return;
  }
  const send = (type: 1 | 2) => (text: string) => {
    if (conn.writable) conn.write(frame(type, text));
  };
  const cwd = process.cwd();
  const env = { ...process.env };
  let code: number;
  try {
    process.chdir(req.cwd);
    replaceEnv(req.env);
    setOutputSink({ out: send(FRAME.out), err: send(FRAME.err), errIsTTY: req.errIsTTY });
    code = await run(req.argv);
  } catch (e) {
    send(FRAME.err)(`lifecycle-lens: server: ${(e as Error).message}\n`);
    code = EXIT.internal;
  } finally {
    setOutputSink(undefined);
    replaceEnv(env);
    process.chdir(cwd);
  }
  if (conn.writable) conn.end(frame(FRAME.exit, Uint8Array.of(code)));
}

function replaceEnv(to: NodeJS.ProcessEnv): void {
  for (const k of Object.keys(process.env)) if (!(k in to)) delete process.env[k];
  for (const [k, v] of Object.entries(to)) if (v !== undefined) process.env[k] = v;
}
