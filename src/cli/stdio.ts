// The command's output without Node's stdio streams where it can. The first use
// of process.stdout or process.stderr builds a stream for its descriptor (for a
// pipe, net's socket machinery): about 4 ms each of every run on these machines,
// 3% of `analyze filecache.c` with its facts read back. So the output is
// written straight to descriptor 1, and a stream is built only when the
// descriptor cannot take the text at once (a non-blocking pipe that is full),
// or when something writes to stderr. Either way the order of the output holds:
// writes to a file or a blocking pipe are synchronous, and once the stream is
// used every later write goes through it.
import fs from 'node:fs';

/** What to do when writing to stdout or stderr fails (a closed pipe, a full disk). */
export type WriteFailure = (e: NodeJS.ErrnoException, stream: 'stdout' | 'stderr') => void;

let onFailure: WriteFailure = (e) => {
  throw e;
};
let streaming = false;

/**
 * Where a command's output goes instead of descriptors 1 and 2: a command
 * server (src/cli/server.ts) sends each request's output to its client.
 */
export interface OutputSink {
  out(text: string): void;
  err(text: string): void;
  /** Whether the client's stderr is a terminal (a live progress line, or log lines). */
  errIsTTY: boolean;
}

let sink: OutputSink | undefined;

/** Sends the output of the commands that run from now on to `to` (undefined: the process's own). */
export function setOutputSink(to: OutputSink | undefined): void {
  sink = to;
}

/** Writes `text` to stderr (a message, progress). */
export function writeErr(text: string): void {
  if (sink) sink.err(text);
  else process.stderr.write(text);
}

/** Whether stderr is a terminal. Asking builds the stderr stream: ask only when needed. */
export function stderrIsTTY(): boolean {
  return sink ? sink.errIsTTY : process.stderr.isTTY === true;
}

/**
 * Routes write errors of stdout and stderr to `failure`: the streams' 'error'
 * events (handlers attached when each stream is first built) and writeOut's own.
 */
export function handleWriteFailures(failure: WriteFailure): void {
  onFailure = failure;
  for (const name of ['stdout', 'stderr'] as const) {
    const attach = (stream: NodeJS.WriteStream) =>
      stream.on('error', (e: NodeJS.ErrnoException) => onFailure(e, name));
    const d = Object.getOwnPropertyDescriptor(process, name);
    if (!d?.get || !d.configurable) {
      attach(process[name]);
      continue;
    }
    const build = d.get;
    let stream: NodeJS.WriteStream | undefined;
    Object.defineProperty(process, name, {
      configurable: true,
      enumerable: d.enumerable,
      get() {
        if (!stream) attach((stream = build.call(process) as NodeJS.WriteStream));
        return stream;
      },
    });
  }
}

/**
 * The command line's way with write errors: a reader that stops early
 * (`lifecycle-lens analyze --json | head`) closes the pipe: stop quietly, as
 * other command-line tools do, not with Node's unhandled 'error' event and its
 * stack trace. Any other write error is said in one line (exit code 2).
 */
export function stopOnWriteFailure(): void {
  handleWriteFailures((e, stream) => {
    if (e.code !== 'EPIPE' && stream === 'stdout')
      writeErr(`lifecycle-lens: cannot write the output: ${e.message}\n`);
    process.exit(e.code === 'EPIPE' ? (process.exitCode ?? 0) : 2);
  });
}

/** Writes `text` to stdout, all of it, before it returns (unless the pipe is full). */
export function writeOut(text: string | Uint8Array): void {
  if (sink) return sink.out(typeof text === 'string' ? text : Buffer.from(text).toString());
  if (!streaming) {
    let bytes: Buffer | undefined;
    let done = 0;
    try {
      // The text goes as it is (encoded on the way, one copy less); only the
      // rest of a short write is encoded here.
      done = typeof text === 'string' ? fs.writeSync(1, text) : fs.writeSync(1, text);
      if (done === Buffer.byteLength(text)) return;
      bytes = Buffer.from(text);
      while (done < bytes.length) done += fs.writeSync(1, bytes, done);
      return;
    } catch (e) {
      const err = e as NodeJS.ErrnoException;
      if (err.code !== 'EAGAIN') return onFailure(err, 'stdout');
      // A non-blocking pipe that is full: the stream queues the rest and waits.
      streaming = true;
      process.stdout.write((bytes ?? Buffer.from(text)).subarray(done));
      return;
    }
  }
  process.stdout.write(text);
}
