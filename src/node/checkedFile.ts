// A file this tool can rebuild, kept in the user's cache directory and trusted
// only when it is whole: a magic line naming its kind and version, the CRC-32 of
// the data, then the data. Written to a temporary name and renamed, so a reader
// sees a whole file or none. A file another user owns is never read: the data is
// code (code-cache/) or decides what a run reports (facts/).
import fs from 'node:fs';
import zlib from 'node:zlib';

/** A checked file's data, or why there is none. */
export type CheckedRead = Buffer | 'none' | 'damaged' | 'foreign';

export function readChecked(file: string, magic: Buffer): CheckedRead {
  let buf: Buffer;
  try {
    const fd = fs.openSync(file, 'r');
    try {
      const uid = process.getuid?.();
      if (uid !== undefined && fs.fstatSync(fd).uid !== uid) return 'foreign';
      buf = fs.readFileSync(fd);
    } finally {
      fs.closeSync(fd);
    }
  } catch {
    return 'none';
  }
  const header = magic.length + 4;
  if (buf.length <= header || !buf.subarray(0, magic.length).equals(magic)) return 'damaged';
  const data = buf.subarray(header);
  return zlib.crc32(data) === buf.readUInt32LE(magic.length) ? data : 'damaged';
}

/** Writes the file whole or not at all (the directory must exist). */
export function writeChecked(file: string, magic: Buffer, data: Buffer): void {
  const crc = Buffer.alloc(4);
  crc.writeUInt32LE(zlib.crc32(data));
  const tmp = `${file}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
  try {
    fs.writeFileSync(tmp, Buffer.concat([magic, crc, data]));
    fs.renameSync(tmp, file);
  } catch (e) {
    fs.rmSync(tmp, { force: true });
    throw e;
  }
}
