// One file's extraction never takes the others down: unanalysable texts and
// internal errors become a report saying why, with no facts.
import { describe, expect, it } from 'vitest';
import { CatalogIndex } from '../catalog/catalog';
import type { CParser } from '../parse/cParser';
import { nodeParser } from '../../node/wasmFiles';
import { extractSources } from './analyze';

describe('extractSources', async () => {
  const catalog = new CatalogIndex();
  const parser = await nodeParser();

  it('reports binary and oversized files as skipped and extracts the rest', () => {
    const { files, reports } = extractSources(
      [
        { path: 'bin.c', text: '\u0000\u0001\u0002' },
        { path: 'big.c', text: 'int x;\n'.repeat(100) },
        { path: 'ok.c', text: 'void f(void) { g(); }\n' },
      ],
      { parser, catalog, maxFileBytes: 400 },
    );
    expect(files.map((f) => f.file)).toEqual(['ok.c']);
    expect(reports.map((r) => [r.file, r.skipped, r.functions])).toEqual([
      ['bin.c', 'binary file (contains NUL bytes)', 0],
      ['big.c', 'file is 700 B, over the 400 B limit', 0],
      ['ok.c', undefined, 1],
    ]);
  });

  it('turns an internal error into a skipped file with the message', () => {
    const broken = {
      parse: () => {
        throw new Error('parser exploded');
      },
    } as unknown as CParser;
    const { files, reports } = extractSources([{ path: 'a.c', text: 'int a;\n' }], {
      parser: broken,
      catalog,
    });
    expect(files).toEqual([]);
    expect(reports[0].skipped).toBe(
      'internal error while extracting facts (please report): parser exploded',
    );
  });
});
