// Picking what to reply to in one version of a series (a patch, or the cover
// letter) and building that draft from the comparison ending at the version.
// Shared by the CLI (`lifecycle-lens draft`) and the extension's commands.
import type { BehaviourChange, ComparisonResult } from '../compare/compareTypes';
import type { FollowUp } from '../compare/raisedChanges';
import { buildCoverReply } from './coverReply';
import { MailError } from './mailError';
import { parsePatchBody } from './patchBody';
import type { ReplyOptions } from './replyHeaders';
import { assignChangesToPatches, buildReviewDraft, type ReviewDraft } from './reviewDraft';
import type { MailMessage } from './rfc2822';

/** `[PATCH v2 3/5] ...` -> { n: 3, total: 5 }. */
export function patchNumber(subject: string): { n: number; total: number } | undefined {
  const m = /^\s*\[[^\]]*?\b(\d+)\/(\d+)\s*\]/.exec(subject);
  return m ? { n: Number(m[1]), total: Number(m[2]) } : undefined;
}

function hasDiff(m: MailMessage): boolean {
  try {
    return parsePatchBody(m.body).files.length > 0;
  } catch {
    return false;
  }
}

/** The cover letter: "0/n", or the one message of a multi-message series with no diff. */
export function findCover(messages: MailMessage[]): MailMessage | undefined {
  return (
    messages.find((m) => patchNumber(m.subject)?.n === 0) ??
    (messages.length > 1 ? messages.find((m) => !hasDiff(m)) : undefined)
  );
}

/** Patch number `n` of the series (a single unnumbered patch counts as 1). */
export function findPatch(messages: MailMessage[], n: number): MailMessage | undefined {
  const numbered = messages.find((m) => patchNumber(m.subject)?.n === n);
  if (numbered) return numbered;
  const patches = messages.filter(hasDiff);
  return n === 1 && patches.length === 1 ? patches[0] : undefined;
}

export type DraftTarget = { kind: 'cover' } | { kind: 'patch'; n: number };

export interface DraftChoice {
  target: DraftTarget;
  /** "Cover letter: all behaviour changes", or the patch subject. */
  label: string;
  /** "4 behaviour changes", "no behaviour change". */
  description: string;
  message: MailMessage;
  changes: BehaviourChange[];
}

const count = (n: number) =>
  n === 0 ? 'no behaviour change' : n === 1 ? '1 behaviour change' : `${n} behaviour changes`;

/**
 * What one can reply to: the cover letter (every change of `comparison`),
 * then each patch with the changes assigned to it.
 */
export function draftChoices(
  messages: MailMessage[],
  comparison: ComparisonResult,
): { choices: DraftChoice[]; unassigned: BehaviourChange[] } {
  const { byPatch, unassigned } = assignChangesToPatches(messages, comparison.changes);
  const choices: DraftChoice[] = [];
  const cover = findCover(messages);
  if (cover)
    choices.push({
      target: { kind: 'cover' },
      label: 'Cover letter: all behaviour changes',
      description: `${count(comparison.changes.length)} (${comparison.before.label} → ${comparison.after.label})`,
      message: cover,
      changes: comparison.changes,
    });
  messages.forEach((m) => {
    if (m === cover || !hasDiff(m)) return;
    const n = patchNumber(m.subject)?.n ?? 1;
    const changes = byPatch.get(m) ?? [];
    choices.push({
      target: { kind: 'patch', n },
      label: m.subject,
      description: count(changes.length),
      message: m,
      changes,
    });
  });
  return { choices, unassigned };
}

/** Builds the draft for `target`; MailError('not-a-patch') when the series has no such mail. */
export function buildSeriesDraft(
  messages: MailMessage[],
  comparison: ComparisonResult,
  target: DraftTarget,
  opts: ReplyOptions & { followUp?: FollowUp },
): { draft: ReviewDraft; unassigned: BehaviourChange[] } {
  const { choices, unassigned } = draftChoices(messages, comparison);
  if (target.kind === 'cover') {
    const cover = choices.find((c) => c.target.kind === 'cover');
    if (!cover)
      throw new MailError(
        'not-a-patch',
        'the series has no cover letter (0/n) to reply to; reply to a patch instead',
      );
    return { draft: buildCoverReply(cover.message, comparison, opts), unassigned };
  }
  const patch = findPatch(messages, target.n);
  if (!patch || !hasDiff(patch)) {
    const have = choices
      .filter((c) => c.target.kind === 'patch')
      .map((c) => (c.target.kind === 'patch' ? c.target.n : 0));
    throw new MailError(
      'not-a-patch',
      `the series has no patch ${target.n}${have.length ? ` (patches: ${have.join(', ')})` : ''}`,
    );
  }
  const changes = choices.find((c) => c.message === patch)?.changes ?? [];
  return { draft: buildReviewDraft(patch, changes, opts), unassigned };
}
