// What a version did with each change the replies to the previous version
// raised, as text for the series report and for review drafts.
import type { FollowUp, RaisedChange, ReplySource } from '../compare/raisedChanges';
import { wrap } from './format';

const VERDICT_TEXT: Record<RaisedChange['verdict'], string> = {
  kept: 'keeps',
  reversed: 'reverses',
  changed: 'changes',
};

function sourceText(s: ReplySource): string {
  const who = s.kind === 'draft' ? 'our review draft' : (s.author ?? 'a reply');
  return s.subject ? `${who} (${s.subject})` : who;
}

/** One counted line: "3 changes raised on v1: v2 keeps 1, reverses 2, changes 0". */
export function followUpSummary(f: FollowUp): string {
  const n = (v: RaisedChange['verdict']) => f.raised.filter((r) => r.verdict === v).length;
  const count = f.raised.length === 1 ? '1 change' : `${f.raised.length} changes`;
  return (
    `${count} raised in replies to ${f.from}: ${f.to} keeps ${n('kept')}, ` +
    `reverses ${n('reversed')}, changes ${n('changed')}`
  );
}

/** The list, wrapped at `width` (72 for mail); replies that name no change only when `unmatched`. */
export function followUpLines(f: FollowUp, width = 100, unmatched = true): string[] {
  const out = [wrap(followUpSummary(f), width)];
  f.raised.forEach((r, i) => {
    const num = `${i + 1}. `;
    const pad = ' '.repeat(num.length);
    const head = `${f.to} ${VERDICT_TEXT[r.verdict]}: ${r.change.code} ${r.change.title}`;
    out.push('', wrap(head, width, pad).replace(pad, num));
    out.push(wrap(`raised by ${sourceText(r.source)}, on ${r.matchedBy.join(', ')}`, width, pad));
    if (r.verdict === 'changed' && r.now)
      out.push(wrap(`now: ${r.now.code} ${r.now.title}`, width, pad));
    if (r.verdict === 'reversed')
      out.push(wrap(`${f.to} is back to the base's behaviour there`, width, pad));
  });
  if (unmatched)
    for (const s of f.unmatched)
      out.push('', wrap(`${sourceText(s)}: names no change of ${f.from}`, width));
  return out;
}
