// The .vsix ships an allow-list (.vscodeignore): every bundle the shipped code
// loads by path at run time (worker threads, lazily required bundles) must be on it,
// or the installed extension fails where the development build works.
import fs from 'node:fs';
import path from 'node:path';
import { expect, it } from 'vitest';

const repo = path.join(__dirname, '..');

function sourceFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) return sourceFiles(p);
    return e.name.endsWith('.ts') && !e.name.includes('.test') ? [p] : [];
  });
}

it('every bundle loaded by path at run time is packaged', () => {
  const loaded = new Set<string>();
  for (const dir of ['src/cli', 'src/node', 'src/extension'])
    for (const f of sourceFiles(path.join(repo, dir)))
      for (const m of fs
        .readFileSync(f, 'utf8')
        .matchAll(/(?:__dirname|extensionPath, 'dist'),\s*'([\w.-]+\.js)'/g))
        loaded.add(m[1]);
  const shipped = fs
    .readFileSync(path.join(repo, '.vscodeignore'), 'utf8')
    .split('\n')
    .filter((l) => l.startsWith('!dist/') && l.endsWith('.js'))
    .map((l) => l.slice('!dist/'.length));
  expect([...loaded].sort()).toEqual([
    'analysisWorker.js',
    'cli.js',
    'cliMain.js',
    'extractWorker.js',
    'indexWorker.js',
    'mcpServer.js',
    'smtpSend.js',
    'statWorker.js',
  ]);
  expect([...loaded].filter((f) => !shipped.includes(f))).toEqual([]);
});
