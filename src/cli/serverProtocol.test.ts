import { describe, expect, it } from 'vitest';
import { FRAME, FrameReader, frame, parseRequest } from './serverProtocol';

describe('command server frames', () => {
  it('cuts a byte stream into the frames written, however it arrives', () => {
    const bytes = Buffer.concat([
      frame(FRAME.out, 'héllo\n'),
      frame(FRAME.err, ''),
      frame(FRAME.exit, Uint8Array.of(3)),
    ]);
    for (const step of [1, 2, 5, 7, bytes.length]) {
      const reader = new FrameReader();
      const got: [number, string][] = [];
      for (let i = 0; i < bytes.length; i += step)
        for (const f of reader.take(bytes.subarray(i, i + step)))
          got.push([f.type, f.payload.toString('hex')]);
      expect(got, `step ${step}`).toEqual([
        [1, Buffer.from('héllo\n').toString('hex')],
        [2, ''],
        [3, '03'],
      ]);
    }
  });

  it('refuses a frame longer than its limit before reading it', () => {
    const reader = new FrameReader(10);
    expect(() => reader.take(frame(FRAME.request, 'x'.repeat(11)).subarray(0, 6))).toThrow(
      'a frame of 11 bytes is too long',
    );
  });

  it('accepts only well-formed requests', () => {
    const req = (v: unknown) => parseRequest(Buffer.from(JSON.stringify(v)));
    expect(req({ kind: 'stop' })).toEqual({ kind: 'stop' });
    const run = {
      kind: 'run',
      argv: ['analyze', 'a.c'],
      cwd: '/x',
      env: { A: '1' },
      errIsTTY: false,
    };
    expect(req(run)).toEqual(run);
    expect(req({ ...run, argv: ['analyze', 3] })).toBe('malformed run request');
    expect(req({ ...run, env: { A: 1 } })).toBe('malformed run request');
    expect(req({ ...run, cwd: undefined })).toBe('malformed run request');
    expect(req({ kind: 'exec' })).toBe('unknown request kind');
    expect(req(null)).toBe('the request is not an object');
    expect(parseRequest(Buffer.from('{"kind":'))).toBe('the request is not JSON');
  });
});
