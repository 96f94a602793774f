// A hash of the analysis sources (src/core, tests excluded): index records
// written by another version of the analysis are stale even when the record
// format did not change. build.mjs and vitest.config.mts define it as
// __LL_ANALYSIS_HASH__ so the bundles and the tests agree.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

export function analysisHash(root) {
  const h = crypto.createHash('sha1');
  const walk = (dir) => {
    for (const e of fs
      .readdirSync(dir, { withFileTypes: true })
      .sort((a, b) => (a.name < b.name ? -1 : 1))) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (/\.ts$/.test(e.name) && !/\.test\.ts$|\.testutil\.ts$/.test(e.name)) {
        h.update(path.relative(root, p));
        h.update(fs.readFileSync(p));
      }
    }
  };
  walk(path.join(root, 'src/core'));
  return h.digest('hex').slice(0, 12);
}
