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

/** Writes `text` to stdout, all of it, before it returns (unless the pipe is full). */
export function writeOut(text: string): void {
  if (!streaming) {
    let bytes: Buffer | undefined;
    let done = 0;
    try {
      // The text goes as it is (encoded on the way, one copy less); only the
      // rest of a short write is encoded here.
      done = fs.writeSync(1, text);
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
