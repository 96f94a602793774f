// `lifecycle-lens draft`: a review reply for the list, from a series
// comparison. Writes the .eml (whole or not at all) and prints the
// `git send-email` command; never sends anything itself.
import fs from 'node:fs';
import path from 'node:path';
import type { CatalogIndex } from '../core/catalog/catalog';
import { parseUserAddress } from '../core/mail/headers';
import { MailError } from '../core/mail/mailError';
import { parseMbox, type MailAddress, type MailMessage } from '../core/mail/rfc2822';
import { formatCommand, sendEmailArgv } from '../core/mail/sendCommand';
import { buildSeriesDraft, type DraftTarget } from '../core/mail/seriesDraft';
import { TOOL_VERSION } from '../core/reports/jsonReport';
import { gitIdentity } from '../node/git';
import { EXIT, UsageError, type CliArgs } from './args';
import { emit, readReplyFiles, runSeriesComparison } from './compareCommands';
import { followUp, type FollowUp } from '../core/compare/raisedChanges';
import { writeErr, writeOut } from './stdio';

function sender(args: CliArgs): MailAddress {
  try {
    if (args.from) return parseUserAddress(args.from);
  } catch (e) {
    throw new UsageError(`--from: ${(e as Error).message}`);
  }
  const dir = args.repo ?? process.cwd();
  const id = gitIdentity(fs.existsSync(dir) ? dir : process.cwd());
  if (!id)
    throw new UsageError(
      'no sender: pass --from "Name <addr>" or set git config user.name and user.email',
    );
  try {
    return parseUserAddress(id.name ? `${id.name} <${id.address}>` : id.address);
  } catch (e) {
    throw new UsageError(`git config user.email: ${(e as Error).message}; pass --from instead`);
  }
}

function target(args: CliArgs): DraftTarget {
  if (args.cover && args.patch !== undefined)
    throw new UsageError('draft replies to one mail: give --patch M or --cover, not both');
  if (args.cover) return { kind: 'cover' };
  if (args.patch !== undefined) return { kind: 'patch', n: args.patch };
  throw new UsageError('draft needs --patch M (reply to patch M) or --cover (reply to the cover)');
}

function readMessages(mbox: string): MailMessage[] {
  let bytes: Buffer;
  try {
    bytes = fs.readFileSync(mbox);
  } catch (e) {
    throw new UsageError(`cannot read ${mbox}: ${(e as NodeJS.ErrnoException).code ?? e}`);
  }
  return parseMbox(bytes);
}

export async function runDraft(args: CliArgs, catalog: CatalogIndex): Promise<number> {
  if (!args.series) throw new UsageError('draft needs --series vN.mbox (the version to reply to)');
  if (!args.base && !args.baseRev) throw new UsageError('draft needs --base DIR or --base-rev REV');
  if (args.paths.length)
    throw new UsageError(`unexpected argument "${args.paths[0]}" (the mbox goes after --series)`);
  const what = target(args);
  if (args.replies && (!args.previous || what.kind !== 'cover'))
    throw new UsageError('--replies goes with --previous vN-1.mbox and --cover');
  const from = sender(args);
  let messages: MailMessage[];
  try {
    messages = readMessages(args.series);
  } catch (e) {
    if (e instanceof MailError) {
      // An mbox that cannot be used stops the command: exit 2, as for `series`.
      throw new UsageError(`${args.series}: ${e.message}`);
    }
    throw e;
  }
  const series = await runSeriesComparison(args, catalog, [
    ...(args.previous ? [args.previous] : []),
    args.series,
  ]);
  // The comparison that ends at the version replied to: previous -> N, or base -> N.
  const comparison = series.comparisons[series.comparisons.length - 1];
  // Replies to the previous version: what N did with each change they raised.
  let follow: FollowUp | undefined;
  if (args.replies) {
    const replies = readReplyFiles(args.replies);
    const sinceBase = await runSeriesComparison(args, catalog, [args.series]);
    const previous = series.comparisons[0];
    follow = followUp(
      replies,
      series.versions,
      previous,
      sinceBase.comparisons[0],
      previous.after.label,
    );
  }
  let built: ReturnType<typeof buildSeriesDraft>;
  try {
    built = buildSeriesDraft(messages, comparison, what, {
      from,
      date: new Date(),
      messageIdDomain: from.address.split('@')[1],
      toolVersion: TOOL_VERSION,
      ...(follow ? { followUp: follow } : {}),
    });
  } catch (e) {
    if (e instanceof MailError) throw new UsageError(`${args.series}: ${e.message}`);
    throw e;
  }
  const { draft, unassigned } = built;
  const note = (m: string) => writeErr(`lifecycle-lens: ${m}\n`);
  for (const r of draft.headers.rejected) note(`left out recipient ${r}`);
  if (what.kind === 'patch' && unassigned.length)
    note(
      `${unassigned.length} behaviour change(s) of ${comparison.before.label} -> ${comparison.after.label} match no patch; the --cover reply lists them`,
    );
  if (what.kind === 'patch' && draft.unplaced.length)
    note(`${draft.unplaced.length} change(s) listed at the end, not under a hunk`);
  const command = (file: string) =>
    formatCommand(
      sendEmailArgv({
        draftPath: file,
        from: draft.headers.from,
        inReplyTo: draft.headers.inReplyTo,
        to: draft.headers.to.map((a) => a.address),
        cc: draft.headers.cc.map((a) => a.address),
      }),
    );
  emit(args, draft.text);
  if (args.output) {
    const rel = path.relative(process.cwd(), path.resolve(args.output));
    const shown = rel && !rel.startsWith('..') ? rel : path.resolve(args.output);
    note(`wrote ${shown}: review and edit it, then send it with:`);
    writeOut(`${command(shown)}\n`);
  } else {
    note('save the draft (e.g. with -o reply.eml), review it, then send it with:');
    note(command('reply.eml'));
  }
  return EXIT.ok;
}
