// One file's function records: extract its facts, analyse it on its own, and
// keep what each function's body says (the index stores these per file).
import fs from 'node:fs';
import path from 'node:path';
import { analyzeProgram, extractSource } from '../../core/analysis/analyze';
import { recordsOf, type FunctionRecord } from '../../core/analysis/calleeSummary';
import type { CatalogIndex } from '../../core/catalog/catalog';
import type { CParser } from '../../core/parse/cParser';
import { rawEntry, type RawEntry } from './filesIndex';
import { contentHash, toFileEntry } from './indexStore';

export interface FileRecords {
  records: FunctionRecord[];
  /** Why the file has no records (binary, too large, internal error). */
  skipped?: string;
}

/** Larger files are not indexed (generated tables, firmware blobs in .h). */
export const INDEX_MAX_FILE_BYTES = 2 * 1024 * 1024;

/**
 * A function body needs a ")" followed by "{" (attributes between end in ")" too).
 * Register and constant headers have none: they are not parsed at all (a third
 * of a whole tree's bytes are such headers).
 */
const MAY_DEFINE_FUNCTIONS = /\)\s*\{/;

export function recordFile(
  rel: string,
  text: string,
  parser: CParser,
  catalog: CatalogIndex,
): FileRecords {
  if (!MAY_DEFINE_FUNCTIONS.test(text)) return { records: [] };
  const { facts, report } = extractSource(
    { path: rel, text },
    { parser, catalog, maxFileBytes: INDEX_MAX_FILE_BYTES },
  );
  if (!facts) return { records: [], skipped: report.skipped ?? 'not analysable' };
  if (!facts.functions.length) return { records: [] };
  try {
    const a = analyzeProgram([facts], catalog);
    return { records: recordsOf(a.program, a.graph) };
  } catch (e) {
    return { records: [], skipped: `internal error while summarising: ${(e as Error).message}` };
  }
}

/** The files-index entry of one file of a tree, as stored (serialised here, by whoever summarises). */
export function entryOfFile(
  root: string,
  f: { rel: string; size: number; mtimeMs: number },
  parser: CParser,
  catalog: CatalogIndex,
): RawEntry {
  let buf: Buffer;
  try {
    buf = fs.readFileSync(path.join(root, f.rel));
  } catch (e) {
    return rawEntry(
      toFileEntry(f.rel, '', f.size, f.mtimeMs, [], `unreadable: ${(e as Error).message}`),
    );
  }
  const r = recordFile(f.rel, buf.toString('utf8'), parser, catalog);
  return rawEntry(toFileEntry(f.rel, contentHash(buf), f.size, f.mtimeMs, r.records, r.skipped));
}
