// Recomputes the findings on the triage corpus (fs/nfsd, fs/nfs, fs/smb/server
// of each kernel in .cache/kernel) and prints, per series, the findings
// without a verdict in test/triage/findings.tsv, the verdicts whose finding is
// gone, and the precision the verdicts add up to.
//
//   node scripts/triage-report.mjs [--series 6.12] [--rows]
//
// --rows prints the untriaged findings as TSV rows to paste into the triage
// file once their verdict and reason are filled in (verdict left as `?`).
// Needs `npm run build` first (it runs dist/cli.js, which analyses in parallel).
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const api = createRequire(import.meta.url)(path.join(root, 'dist/api.js'));
export const SERIES = ['5.10', '6.1', '6.12', 'sid'];
export const SUBSYSTEMS = ['fs/nfsd', 'fs/nfs', 'fs/smb/server'];
const args = process.argv.slice(2);
const only = args.includes('--series') ? args[args.indexOf('--series') + 1] : undefined;
const rowsOut = args.includes('--rows');
const tsv = path.join(root, 'test/triage/findings.tsv');
const rows = fs.existsSync(tsv) ? api.parseTriage(fs.readFileSync(tsv, 'utf8')) : [];

let failed = false;
for (const series of SERIES.filter((s) => !only || s === only)) {
  const kernel = path.join('.cache/kernel', series);
  if (!fs.existsSync(path.join(root, kernel))) {
    console.log(`${series}: no corpus at ${kernel} (npm run corpus)`);
    continue;
  }
  const findings = [];
  // A whole index of the tree first, as the test does: results must not depend on
  // which callees earlier runs summarised on demand.
  spawnSync(process.execPath, ['dist/cli.js', 'index', kernel, '-q'], { cwd: root });
  for (const sub of SUBSYSTEMS) {
    const dir = path.join(kernel, sub);
    if (!fs.existsSync(path.join(root, dir))) continue;
    const r = spawnSync(
      process.execPath,
      ['dist/cli.js', 'analyze', dir, '--json', '--all-findings', '-q'],
      { cwd: root, encoding: 'utf8', maxBuffer: 1 << 30 },
    );
    if (r.status !== 0 && r.status !== 3) {
      console.error(`${series} ${sub}: analyze failed (${r.status}): ${r.stderr.trim()}`);
      failed = true;
      continue;
    }
    findings.push(...JSON.parse(r.stdout).model.findings);
  }
  const c = api.compareTriage(series, findings, kernel, rows);
  const p = c.precision;
  console.log(
    `${series}: ${findings.length} findings (${findings.filter((f) => f.confidence === 'guess').length} guesses); ` +
      `precision confident errors ${api.ratio(p.confidentErrors)}, all confident ${api.ratio(p.confident)}, guesses ${api.ratio(p.guesses)}; ` +
      `${c.untriaged.length} untriaged, ${c.disappeared.length} disappeared`,
  );
  for (const k of c.untriaged) {
    if (!rowsOut) {
      console.log(`  untriaged: ${k}`);
      continue;
    }
    const f = findings.find((x) => api.findingKey(x, kernel) === k);
    console.log(
      `${series}\t${k}\t?\t[${f.confidence}${f.guesses.length ? `: ${f.guesses.join('; ')}` : ''}] line ${f.at.line}`,
    );
  }
  for (const k of c.disappeared) console.log(`  disappeared: ${k}`);
}
process.exitCode = failed ? 1 : 0;
