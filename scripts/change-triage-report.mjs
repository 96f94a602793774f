#!/usr/bin/env node
// Prints the behaviour-change triage figures: untriaged and disappeared keys,
// per pair counts and precision, by running test/changeTriage.test.ts (which
// recomputes every change on the Debian kernels with the CLI's compare, inside
// their trees: run `npm run build` first). With --dump FILE, writes the
// untriaged changes as TSV rows (verdict "?", the title as reason) to fill in.
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const dump = process.argv.indexOf('--dump');
const env = { ...process.env };
if (dump > 0) env.LL_TRIAGE_DUMP = path.resolve(process.argv[dump + 1] ?? 'untriaged.tsv');
const r = spawnSync('npx', ['vitest', 'run', 'test/changeTriage.test.ts'], {
  cwd: root,
  env,
  encoding: 'utf8',
});
const lines = `${r.stdout}\n${r.stderr}`
  .split('\n')
  .map((l) => l.replace(new RegExp(`${String.fromCharCode(27)}\\[[0-9;]*m`, 'g'), ''))
  .filter((l) => /^(change triage:|\s+\S+->\S+: |\s+untriaged: |\s+disappeared: )/.test(l));
process.stdout.write(lines.join('\n') + '\n');
if (dump > 0) process.stdout.write(`untriaged rows written to ${env.LL_TRIAGE_DUMP}\n`);
process.exit(r.status ?? 1);
