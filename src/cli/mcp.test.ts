// `lifecycle-lens mcp` as an MCP client sees it: the SDK's own Client over
// stdio against the built bundle (dist/cli.js, as the packaged extension runs it).
import path from 'node:path';
import fs from 'node:fs';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const ROOT = path.resolve(__dirname, '../..');
const CLI = path.join(ROOT, 'dist/cli.js');

interface Step {
  function: string;
  call: string;
  at: { file: string; line: number };
  via: string;
}
interface Change {
  code: string;
  function: string;
  entry?: string;
  entryContext?: string;
  from?: string;
  to?: string;
  before?: { chain: Step[] };
  after?: { chain: Step[] };
}
type Result = Awaited<ReturnType<Client['callTool']>> & {
  content: { type: string; text: string }[];
  structuredContent?: Record<string, unknown>;
  isError?: boolean;
};

const client = new Client({ name: 'lifecycle-lens-test', version: '1.0.0' });
const call = async (name: string, args: Record<string, unknown>) =>
  (await client.callTool({ name, arguments: args })) as Result;
const steps = (chain: Step[] | undefined) =>
  (chain ?? []).map((s) => `${s.function}@${s.at.line}${s.via === 'call' ? '' : `:${s.via}`}`);

beforeAll(async () => {
  if (!fs.existsSync(CLI))
    throw new Error('dist/cli.js is missing: run `npm run build` (npm test does)');
  await client.connect(
    new StdioClientTransport({ command: process.execPath, args: [CLI, 'mcp'], cwd: ROOT }),
  );
});
afterAll(() => client.close());

describe('lifecycle-lens mcp', () => {
  it('lists its tools with input schemas', async () => {
    const { tools } = await client.listTools();
    expect(tools.map((t) => t.name)).toEqual([
      'analyze',
      'compare',
      'compare_series',
      'explain_function',
    ]);
    const compare = tools.find((t) => t.name === 'compare');
    expect(compare?.inputSchema.required).toEqual(['before', 'after']);
  });

  it('compare gives the seed finding on the sample revisions, with both chains', async () => {
    const r = await call('compare', {
      before: 'test-fixtures/designs/v4-sentinel',
      after: 'test-fixtures/designs/v5-inline',
    });
    expect(r.isError).toBeFalsy();
    const changes = r.structuredContent?.changes as Change[];
    const seed = changes.find(
      (c) =>
        c.code === 'LL1' && c.function === 'nfsd_file_close_inode' && c.entryContext === 'fsnotify',
    );
    expect(seed).toMatchObject({
      entry: 'nfsd_file_fsnotify_handle_event',
      from: 'deferred (workqueue)',
      to: 'inline (fsnotify)',
    });
    expect(steps(seed?.before?.chain)).toEqual([
      'nfsd_file_fsnotify_handle_event@592',
      'nfsd_file_close_inode@563',
      'nfsd_file_dispose_list_delayed@432:defer',
      'nfsd_file_delayed_close@447',
      'nfsd_file_dispose_list@403',
      'nfsd_file_free@242:sink',
    ]);
    expect(steps(seed?.after?.chain)).toEqual([
      'nfsd_file_fsnotify_handle_event@551',
      'nfsd_file_close_inode@515',
      'nfsd_file_put@368',
      'nfsd_file_free@241:sink',
    ]);
    expect(r.content[0].text).toContain(
      '1. [LL1 error] nfsd_file_close_inode() now runs fput, fsync inline in\n   fsnotify callback (entry nfsd_file_fsnotify_handle_event()); before:\n   deferred (workqueue)',
    );
  });

  it("explain_function gives a function's reference effects and release contexts", async () => {
    const r = await call('explain_function', {
      paths: ['test-fixtures/designs/v5-inline'],
      function: 'nfsd_file_close_inode',
    });
    const e = r.structuredContent as {
      contexts: string[];
      releaseInline: string[];
      effects: { callee: string; role: string; at: string }[];
      releasePaths: { entry: string; mode: string; release: string; runsIn: string }[];
    };
    expect(e.contexts).toEqual(['fsnotify', 'notifier']);
    expect(e.releaseInline).toEqual(['fput', 'fsync']);
    expect(e.effects.map((c) => `${c.callee} ${c.role} ${c.at}`)).toEqual([
      'nfsd_file_put ref-put test-fixtures/designs/v5-inline/filecache.c:515',
    ]);
    expect(
      e.releasePaths
        .filter((p) => p.mode === 'inline')
        .map((p) => `${p.entry} ${p.release} ${p.runsIn}`),
    ).toEqual([
      'nfsd_file_fsnotify_handle_event fput fsnotify',
      'nfsd_file_fsnotify_handle_event fsync fsnotify',
      'nfsd_file_lease_notifier_call fput notifier',
      'nfsd_file_lease_notifier_call fsync notifier',
    ]);
  });

  it('analyze and compare_series answer with facts', async () => {
    const a = await call('analyze', { paths: ['test-fixtures/designs/v5-inline/filecache.c'] });
    const objects = a.structuredContent?.objects as { type: string; refField: string }[];
    expect(objects.map((o) => `${o.type}.${o.refField}`)).toEqual([
      'nfsd_file.nf_ref',
      'nfsd_file_mark.nfm_ref',
    ]);
    const s = await call('compare_series', {
      base: 'test-fixtures/series/base',
      mboxes: ['test-fixtures/series/v1.mbox', 'test-fixtures/series/v2.mbox'],
    });
    expect(s.isError).toBeFalsy();
    const comparisons = s.structuredContent?.comparisons as { before: string; after: string }[];
    expect(comparisons.map((c) => `${c.before} -> ${c.after}`)).toEqual(['base -> v1', 'v1 -> v2']);
  });

  it('bad input is a tool error with a clear message, and the server keeps serving', async () => {
    const missing = await call('compare', { before: 'no/such/dir', after: 'test-fixtures' });
    expect(missing).toMatchObject({
      isError: true,
      content: [{ type: 'text', text: 'no/such/dir: no such file or directory' }],
    });
    const unknown = await call('explain_function', {
      paths: ['test-fixtures/designs/v5-inline'],
      function: 'close_inode',
    });
    expect(unknown.isError).toBe(true);
    expect(unknown.content[0].text).toBe(
      'no function close_inode() in test-fixtures/designs/v5-inline (similar: nfsd_file_close_inode, nfsd_file_close_inode_sync)',
    );
    const invalid = await call('analyze', { paths: 3 });
    expect(invalid.isError).toBe(true);
    expect(invalid.content[0].text).toMatch(/Input validation error.*expected array/);
    const noBase = await call('compare_series', { mboxes: ['test-fixtures/series/v1.mbox'] });
    expect(noBase.content[0].text).toBe('give a base: `base` (folder) or `baseRev`');
    const rev = await call('compare', { before: 'no-such-rev', after: 'HEAD', repo: '.' });
    expect(rev.isError).toBe(true);
    expect(rev.content[0].text).toMatch(/^unknown git revision "no-such-rev"/);
    expect((await client.listTools()).tools.length).toBe(4);
  });
});
