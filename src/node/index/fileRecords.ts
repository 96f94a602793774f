// One file's function records: extract its facts, analyse it on its own, and
// keep what each function's body says (the index stores these per file).
import { analyzeProgram, extractSource } from '../../core/analysis/analyze';
import { recordsOf, type FunctionRecord } from '../../core/analysis/calleeSummary';
import type { CatalogIndex } from '../../core/catalog/catalog';
import type { CParser } from '../../core/parse/cParser';

export interface FileRecords {
  records: FunctionRecord[];
  /** Why the file has no records (binary, too large, internal error). */
  skipped?: string;
}

/** Larger files are not indexed (generated tables, firmware blobs in .h). */
export const INDEX_MAX_FILE_BYTES = 2 * 1024 * 1024;

export function recordFile(
  rel: string,
  text: string,
  parser: CParser,
  catalog: CatalogIndex,
): FileRecords {
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
