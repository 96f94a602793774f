// Whole-file reads into one buffer used again and again. On the machines we
// measure, a fresh buffer costs more in page faults than the read itself: the
// 256 parts of a whole kernel's files index (29 MB) take 110-134 ms through
// readFileSync and 10-13 ms into a reused buffer. Every run reads them all.
import fs from 'node:fs';

/** Files larger than this get a buffer of their own (the shared one is kept for the process's life). */
const SHARED_MAX = 1 << 20;

let shared = Buffer.allocUnsafe(256 * 1024);

/**
 * The bytes of `file` (throws as readFileSync does). Files up to SHARED_MAX come
 * back as a view of the shared buffer: valid only until the next call, so a
 * caller copies (or decodes) what it keeps before reading another file.
 */
export function readShared(file: string): Buffer {
  const fd = fs.openSync(file, 'r');
  try {
    const size = fs.fstatSync(fd).size;
    if (size > SHARED_MAX) return fs.readFileSync(fd);
    if (size > shared.length) shared = Buffer.allocUnsafe(SHARED_MAX);
    let got = 0;
    for (;;) {
      // Grown since fstat beyond the buffer: read whole (positional reads left the offset at 0).
      if (got === shared.length) return fs.readFileSync(fd);
      const n = fs.readSync(fd, shared, got, shared.length - got, got);
      if (n === 0) return shared.subarray(0, got);
      got += n;
    }
  } finally {
    fs.closeSync(fd);
  }
}
