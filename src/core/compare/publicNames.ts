// Internal function ids (`name@file.c`, used to keep static functions of the
// same name apart) never reach the user: every text of a change shows the
// plain C name.
import type { ChainStep } from '../model';
import type { BehaviourChange, Evidence } from './compareTypes';

const INTERNAL_ID = /\b([A-Za-z_]\w*)@[\w.+-]+\.[ch]\b/g;

export function publicName(text: string): string {
  return text.replace(INTERNAL_ID, '$1');
}

function publicChain(chain: ChainStep[]): ChainStep[] {
  return chain.map((s) => ({ ...s, function: publicName(s.function), call: publicName(s.call) }));
}

function publicEvidence(e: Evidence | undefined): Evidence | undefined {
  return e && { ...e, summary: publicName(e.summary), chain: publicChain(e.chain) };
}

export function publicChange(c: BehaviourChange): BehaviourChange {
  const out: BehaviourChange = {
    ...c,
    title: publicName(c.title),
    function: publicName(c.function),
  };
  if (c.entry !== undefined) out.entry = publicName(c.entry);
  if (c.from !== undefined) out.from = publicName(c.from);
  if (c.to !== undefined) out.to = publicName(c.to);
  if (c.entries) out.entries = c.entries.map(publicName);
  if (c.before) out.before = publicEvidence(c.before);
  if (c.after) out.after = publicEvidence(c.after);
  return out;
}
