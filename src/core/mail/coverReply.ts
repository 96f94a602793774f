// A reply to a series' cover letter listing every behaviour change between
// the previous version and this one: the list the reviewer in the seed thread
// asked to see "flagged in the intro".
import type { ComparisonResult, SeriesComparison } from '../compare/compareTypes';
import type { FollowUp } from '../compare/raisedChanges';
import { followUpLines } from '../reports/followUpText';
import { wrap } from '../reports/format';
import { changeTitle, explanationOnce } from './findingText';
import { buildReplyHeaders, disclosureLine, trailerLines, type ReplyOptions } from './replyHeaders';
import { neutralizeText } from './headers';
import type { ReviewDraft } from './reviewDraft';
import type { MailMessage } from './rfc2822';

/** Cover-letter lines quoted before the list (its first paragraph, at most this many lines). */
const MAX_QUOTED = 12;

/** The comparison whose `after` revision is `versionLabel` (e.g. "v2"), from a series comparison. */
export function comparisonFor(
  series: SeriesComparison,
  versionLabel: string,
): ComparisonResult | undefined {
  return series.comparisons.find((c) => c.after.label === versionLabel);
}

/** The numbered list, or a plain statement that nothing changed. */
export function coverListBody(comparison: ComparisonResult): string {
  const { before, after, changes } = comparison;
  if (!changes.length)
    return wrap(
      `Lifecycle Lens found no behaviour changes between ${before.label} and ${after.label}.`,
      72,
    );
  const n = changes.length;
  const blocks = [
    wrap(
      `Lifecycle Lens finds ${n === 1 ? 'one behaviour change' : `${n} behaviour changes`} ` +
        `between ${before.label} and ${after.label}; it would help to flag ` +
        `${n === 1 ? 'it' : 'each of them'} in the cover letter:`,
      72,
    ),
  ];
  // Each distinct explanation once: the rule's generic paragraph is not repeated.
  const seen = new Set<string>();
  changes.forEach((c, i) => {
    const num = `${i + 1}. `;
    const pad = ' '.repeat(num.length);
    const head = wrap(changeTitle(c), 72, pad).replace(pad, num);
    const explanation = explanationOnce(c, seen);
    blocks.push(explanation ? `${head}\n${wrap(explanation, 72, pad)}` : head);
  });
  return blocks.join('\n\n');
}

function quotedIntro(cover: MailMessage): string[] {
  const lines = cover.body.split('\n');
  const start = lines.findIndex((l) => l.trim() !== '');
  if (start < 0) return [];
  let end = start;
  while (end < lines.length && lines[end].trim() !== '' && end - start < MAX_QUOTED) end++;
  const out = lines.slice(start, end).map((l) => (l ? `> ${l}` : '>'));
  if (lines.slice(end).some((l) => l.trim() !== '')) out.push('> [...]');
  return out;
}

/** The full reply to `cover` for one comparison (previous version -> this version). */
export function buildCoverReply(
  cover: MailMessage,
  comparison: ComparisonResult,
  opts: ReplyOptions & { followUp?: FollowUp },
): ReviewDraft {
  const headers = buildReplyHeaders(cover, opts);
  const name = neutralizeText(cover.from?.name || cover.from?.address || 'the author');
  const blocks: string[] = [];
  const quote = quotedIntro(cover);
  if (quote.length) {
    // The attribution line sits directly above the quote.
    const attribution = wrap(`On ${cover.date ?? 'an unknown date'}, ${name} wrote:`, 72);
    blocks.push(`${attribution}\n${quote.join('\n')}`);
  }
  blocks.push(coverListBody(comparison));
  // What this version did with what the replies to the previous one raised.
  if (opts.followUp?.raised.length) blocks.push(followUpLines(opts.followUp, 72, false).join('\n'));
  blocks.push(disclosureLine(opts.toolVersion));
  const trailers = trailerLines(opts.trailers);
  if (trailers.length) blocks.push(trailers.join('\n'));
  const body = `${blocks.join('\n\n')}\n`;
  return { headers, body, text: `${headers.text}\n\n${body}`, unplaced: [] };
}
