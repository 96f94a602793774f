// The published JSON Schemas are generated from the types; this keeps them current.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

describe('schemas/', () => {
  it('every schema matches the TypeScript type it documents (npm run schemas regenerates)', async () => {
    // @ts-expect-error -- a plain .mjs script without type declarations
    const gen = (await import('../../../scripts/gen-schemas.mjs')) as {
      SCHEMAS: { file: string }[];
      generate: (s: { file: string }) => string;
    };
    for (const s of gen.SCHEMAS) {
      const committed = fs.readFileSync(
        path.resolve(__dirname, '../../../schemas', s.file),
        'utf8',
      );
      expect(committed, s.file).toBe(gen.generate(s));
    }
  }, 60_000);
});
