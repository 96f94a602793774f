// Regenerates schemas/*.schema.json from the TypeScript types they describe.
// `npm run schemas` writes them; src/core/reports/schemas.test.ts checks they are current.
import { createGenerator } from 'ts-json-schema-generator';
import fs from 'node:fs';
import path from 'node:path';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
export const SCHEMAS = [
  {
    file: 'analysis.schema.json',
    path: 'src/core/reports/jsonReport.ts',
    type: 'AnalysisDocument',
  },
  {
    file: 'comparison.schema.json',
    path: 'src/core/reports/compareJson.ts',
    type: 'ComparisonDocument',
  },
  { file: 'series.schema.json', path: 'src/core/reports/compareJson.ts', type: 'SeriesDocument' },
  { file: 'catalog.schema.json', path: 'src/core/catalog/catalogTypes.ts', type: 'CatalogFile' },
];

export function generate(s) {
  const schema = createGenerator({
    path: path.join(root, s.path),
    tsconfig: path.join(root, 'tsconfig.json'),
    type: s.type,
    skipTypeCheck: true,
  }).createSchema(s.type);
  return JSON.stringify(schema, null, 2) + '\n';
}

if (process.argv[1] === new URL(import.meta.url).pathname)
  for (const s of SCHEMAS) {
    fs.writeFileSync(path.join(root, 'schemas', s.file), generate(s));
    console.log(`schemas/${s.file}`);
  }
