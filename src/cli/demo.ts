// `lifecycle-lens demo`: the main job on the bundled sample revisions.
import fs from 'node:fs';
import path from 'node:path';
import { analyzeSources } from '../core/analysis/analyze';
import type { CatalogIndex } from '../core/catalog/catalog';
import { textReport } from '../core/reports/textReport';
import { nodeParser } from '../node/wasmFiles';
import { EXIT, type CliArgs } from './args';

export const SAMPLE_REVISIONS = ['v4-sentinel', 'v5-inline', 'v6-deferred'];

export function samplesDir(): string {
  const candidates = [
    path.resolve(__dirname, '../test-fixtures/designs'),
    path.resolve(process.cwd(), 'test-fixtures/designs'),
  ];
  const found = candidates.find((d) => fs.existsSync(d));
  if (!found) throw new Error('bundled sample revisions not found (test-fixtures/designs)');
  return found;
}

export async function runDemo(catalog: CatalogIndex, args: CliArgs): Promise<number> {
  const dir = samplesDir();
  const parser = await nodeParser([__dirname]);
  for (const rev of SAMPLE_REVISIONS) {
    const file = path.join(dir, rev, 'filecache.c');
    const model = analyzeSources([{ path: file, text: fs.readFileSync(file, 'utf8') }], {
      parser,
      catalog,
    });
    process.stdout.write(`\n=== ${rev}: ${path.relative(process.cwd(), file)} ===\n`);
    process.stdout.write(textReport(model, { verbose: args.verbose }));
  }
  return EXIT.ok;
}
