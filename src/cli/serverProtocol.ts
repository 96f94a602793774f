// The command server's wire format, one connection per command: the client
// sends one request frame, the server answers with the command's output frames
// and one exit frame. A frame is a type byte, a 32-bit big-endian length and
// that many bytes; output frames carry UTF-8 text exactly as written.

export const FRAME = { request: 0, out: 1, err: 2, exit: 3 } as const;
export type FrameType = (typeof FRAME)[keyof typeof FRAME];

/** Larger frames are refused: a request is a command line and an environment. */
export const MAX_REQUEST_BYTES = 4 << 20;

export interface RunRequest {
  kind: 'run';
  argv: string[];
  cwd: string;
  env: Record<string, string>;
  /** Whether the client's stderr is a terminal. */
  errIsTTY: boolean;
}

export type ServerRequest = RunRequest | { kind: 'stop' } | { kind: 'status' };

export function frame(type: FrameType, payload: string | Uint8Array): Buffer {
  const body = typeof payload === 'string' ? Buffer.from(payload) : payload;
  const head = Buffer.allocUnsafe(5);
  head[0] = type;
  head.writeUInt32BE(body.length, 1);
  return Buffer.concat([head, body]);
}

/** Cuts a byte stream into frames; `take` returns those complete so far. */
export class FrameReader {
  // Chunks are joined only once a whole frame is there: joining on every chunk
  // copied a large output (an 8 MB JSON report) hundreds of times.
  private chunks: Buffer[] = [];
  private bytes = 0;

  constructor(private readonly maxBytes = Number.MAX_SAFE_INTEGER) {}

  /** The frames completed by `chunk`; throws on a frame longer than the limit. */
  take(chunk: Buffer): { type: number; payload: Buffer }[] {
    this.chunks.push(chunk);
    this.bytes += chunk.length;
    const frames: { type: number; payload: Buffer }[] = [];
    while (this.bytes >= 5) {
      const head = this.chunks[0].length >= 5 ? this.chunks[0] : this.join();
      const length = head.readUInt32BE(1);
      if (length > this.maxBytes) throw new Error(`a frame of ${length} bytes is too long`);
      if (this.bytes < 5 + length) break;
      const all = this.join();
      frames.push({ type: all[0], payload: all.subarray(5, 5 + length) });
      const rest = all.subarray(5 + length);
      this.chunks = rest.length ? [rest] : [];
      this.bytes = rest.length;
    }
    return frames;
  }

  private join(): Buffer {
    if (this.chunks.length > 1) this.chunks = [Buffer.concat(this.chunks)];
    return this.chunks[0];
  }
}

/** The request in a request frame's payload, or why it is not one. */
export function parseRequest(payload: Buffer): ServerRequest | string {
  let value: unknown;
  try {
    value = JSON.parse(payload.toString('utf8'));
  } catch {
    return 'the request is not JSON';
  }
  if (typeof value !== 'object' || value === null) return 'the request is not an object';
  const r = value as Record<string, unknown>;
  if (r.kind === 'stop' || r.kind === 'status') return { kind: r.kind };
  if (r.kind !== 'run') return 'unknown request kind';
  const strings = (v: unknown): v is string[] =>
    Array.isArray(v) && v.every((x) => typeof x === 'string');
  const env = r.env;
  if (
    !strings(r.argv) ||
    typeof r.cwd !== 'string' ||
    typeof r.errIsTTY !== 'boolean' ||
    typeof env !== 'object' ||
    env === null ||
    !Object.values(env).every((x) => typeof x === 'string')
  )
    return 'malformed run request';
  return {
    kind: 'run',
    argv: r.argv,
    cwd: r.cwd,
    env: env as Record<string, string>,
    errIsTTY: r.errIsTTY,
  };
}
