// Entry contexts from every registration form, lock regions in every form, and
// the text report's --verbose (lists more, never finds something else).
import { describe, expect, it } from 'vitest';
import { ATOMIC_CONTEXTS, CONTEXT_LABELS, type ProgramModel } from '../model';
import { textReport } from '../reports/textReport';
import { analyzeFixture, entries, findings, fn } from './testSupport.testutil';

describe('entry contexts', () => {
  it('each registration form gives its handler the context the kernel runs it in', async () => {
    const m = await analyzeFixture('contexts/entry-contexts.c');
    expect(entries(m)).toEqual([
      'ec_copy_thread:kthread',
      'ec_devm_irq:hardirq',
      'ec_hrtimer_fn:hrtimer',
      'ec_irq:hardirq',
      'ec_nl_close_doit:netlink',
      'ec_nl_dump:netlink',
      'ec_old_hrtimer_fn:hrtimer',
      'ec_proc_close:rpc-thread',
      'ec_setup:process',
      'ec_start:process',
      'ec_static_timer_fn:timer',
      'ec_svc_thread:svc-thread',
      'ec_tasklet_fn:tasklet',
      'ec_threaded_fn:irq-thread',
      'ec_threaded_primary:hardirq',
      'ec_timer_fn:timer',
      'ec_worker_thread:kthread',
    ]);
    const reason = (f: string) => m.entryPoints.find((e) => e.function === f)?.reason;
    expect(reason('ec_svc_thread')).toBe('svc_create_pooled at contexts/entry-contexts.c:207');
    expect(reason('ec_nl_close_doit')).toBe(
      '.doit in struct genl_small_ops at contexts/entry-contexts.c:95',
    );
    expect(reason('ec_proc_close')).toBe(
      '.pc_func in struct svc_procedure at contexts/entry-contexts.c:66',
    );
  });

  it('sleeping release work inline in a timer, hrtimer, tasklet or hardirq handler is flagged; fput is not', async () => {
    const m = await analyzeFixture('contexts/entry-contexts.c');
    expect(findings(m)).toEqual([
      'sleep-in-atomic ec_timer_fn 123',
      'sleep-in-atomic ec_hrtimer_fn 137',
      'sleep-in-atomic ec_tasklet_fn 153',
      'sleep-in-atomic ec_irq 160',
    ]);
    expect(m.findings.map((f) => f.message)).toEqual([
      'vfs_fsync() may sleep but runs in timer callback (softirq, atomic) (reached from ec_timer_fn)',
      'filp_close() may sleep but runs in hrtimer callback (hardirq or softirq, atomic) (reached from ec_hrtimer_fn)',
      '__fput_sync() may sleep but runs in tasklet (softirq, atomic) (reached from ec_tasklet_fn)',
      'vfs_fsync() may sleep but runs in interrupt handler (hardirq, atomic) (reached from ec_irq)',
    ]);
    expect([...ATOMIC_CONTEXTS].sort()).toEqual([
      'hardirq',
      'hrtimer',
      'lru-isolate',
      'rcu-callback',
      'tasklet',
      'timer',
    ]);
  });

  it('arming a timer or scheduling a tasklet defers to the bound handler', async () => {
    const m = await analyzeFixture('contexts/entry-contexts.c');
    expect(
      m.edges.filter((e) => e.kind === 'defer').map((e) => `${e.caller}->${e.callee}:${e.context}`),
    ).toEqual(['ec_start->ec_timer_fn:timer', 'ec_start->ec_tasklet_fn:tasklet']);
  });

  it('a context label claims no more than the code shows', () => {
    expect(CONTEXT_LABELS.process).toBe('process context (external caller)');
    expect(CONTEXT_LABELS.netlink).toBe('netlink handler (process context, syscall)');
    expect(CONTEXT_LABELS['rpc-thread']).toBe('RPC service thread (svc_procedure dispatch)');
  });
});

describe('lock regions', () => {
  it('a call is under a lock only while the lock may still be held', async () => {
    const m = await analyzeFixture('locks/lock-regions.c');
    expect(findings(m)).toEqual([
      'sleep-in-atomic lr_sync_under_lock 53',
      'sleep-in-atomic lr_fsync_under_lock 60',
      'sleep-in-atomic lr_unlock_one_branch 89',
      'sleep-in-atomic lr_irqsave_inside 107',
      'sleep-in-atomic lr_guard 123',
      'sleep-in-atomic lr_scoped 139',
    ]);
    // fput under the spinlock is classified as atomic, and still not flagged.
    const fput = fn(m, 'lr_fput_under_lock').calls.find((c) => c.callee === 'fput');
    expect([fput?.locksHeld, fput?.atomic]).toEqual([['t->lt_lock'], true]);
    // The guard holds to the end of its block; the helper drops the caller's lock.
    for (const f of [
      'lr_guard_inner',
      'lr_scoped_after',
      'lr_drop_in_helper',
      'lr_drop_in_plain_helper',
    ]) {
      const fsync = fn(m, f).calls.find((c) => c.callee === 'vfs_fsync');
      expect({ f, held: fsync?.locksHeld }).toEqual({ f, held: [] });
    }
    expect(fn(m, 'lr_scoped').calls.find((c) => c.callee === 'vfs_fsync')?.locksHeld).toEqual([
      't->lt_lock',
    ]);
  });
});

describe('--verbose', () => {
  const reportLines = (m: ProgramModel, verbose: boolean) => textReport(m, { verbose }).split('\n');

  it('lists more lines, never other contexts or findings', async () => {
    for (const fixture of ['designs/v5-inline/filecache.c', 'designs/v6-deferred/filecache.c']) {
      const a = await analyzeFixture(fixture);
      const b = await analyzeFixture(fixture);
      expect(JSON.stringify(a)).toBe(JSON.stringify(b));
      const quiet = reportLines(a, false);
      const loud = reportLines(a, true);
      // Every line of the short report is in the long one, except the "... and N more".
      const extra = quiet.filter((l) => !loud.includes(l));
      expect(
        extra.every((l) => /^ {4}\.\.\. and \d+ more process-context entry points/.test(l)),
      ).toBe(true);
      // The same entry contexts are named, and the same findings listed.
      const summary = (lines: string[]) => lines.filter((l) => l.includes('entry contexts:'));
      expect(summary(quiet)).toEqual(summary(loud));
      expect(summary(quiet).length).toBe(a.objects.filter((o) => o.releasePaths.length).length);
      const findingLines = (lines: string[]) =>
        lines.filter((l) => /^ {2}(error|warning|info) /.test(l));
      expect(findingLines(quiet)).toEqual(findingLines(loud));
      expect(findingLines(quiet).length).toBe(a.findings.length);
    }
  });
});
