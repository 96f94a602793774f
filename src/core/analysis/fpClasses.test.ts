// False-positive classes seen on real kernels (issue 10), each as a fixture in
// our own words: the exact findings (with confidence) the analysis gives.
import { describe, expect, it } from 'vitest';
import { analyzeFixture } from './testSupport.testutil';

const CASES: [string, string[]][] = [
  // A put of a pointer shown NULL on the path drops nothing.
  ['fp-classes/null-put.c', []],
  // kfree() of a never-published object is its release, not a leak.
  ['fp-classes/never-published-kfree.c', []],
  // Each loop iteration handles another object.
  ['fp-classes/loop-objects.c', []],
  // Unhash drops the table's reference (a removal-put), then the caller its own: correct.
  ['fp-classes/unhash-then-put.c', []],
  // A removal helper (unhash, then put if this call unhashed) drops the table's
  // reference, not the caller's: the caller's own get and put balance.
  ['fp-classes/removal-helper-put.c', []],
  // A put that runs only after claiming one of the object's bits (test_and_clear_bit)
  // drops the reference that bit held, not the caller's.
  ['fp-classes/flag-owned-put.c', []],
  // A list that holds a reference (a get next to the list_add): unlinking hands the
  // list's reference to the caller, who then drops two.
  ['fp-classes/list-owned-take.c', []],
  // A get whose result is stored in a field (through a conversion) is the field's
  // reference: an error return afterwards leaks nothing.
  ['fp-classes/get-stored-in-field.c', []],
  // A free function (every path ends in kfree of its parameter) releases what the
  // caller hands it.
  ['fp-classes/free-function.c', []],
  // A status set to constants decides later tests of it (`rc = 0` ... `if (rc)`,
  // `rc = -ESTALE` ... `if (rc < 0)`): the path that skips the cleanup is infeasible.
  ['fp-classes/status-sign.c', []],
  // Two names compared with each other may be one object: a leak seen through the
  // comparison rests on a guess, hidden from the default report.
  [
    'fp-classes/compared-aliases.c',
    [
      "guess warning ref-leak slot_open 48: 'found' and 'sl' are compared on the path: they may be one object, its references counted under both names",
    ],
  ],
  // Two counters on one object: the last user's release drops the users' share of the
  // base count; the user put is one drop for the caller.
  ['fp-classes/two-counters.c', []],
  // A local declared with __free(): its cleanup releases it at every return.
  ['fp-classes/scope-cleanup.c', []],
  // Get/put helpers defined static inline in a header are wrappers at their call sites.
  ['fp-classes/header-inline/badge.h+fp-classes/header-inline/badge.c', []],
  // A callee that takes and drops its own reference leaves the caller's count alone.
  ['fp-classes/callee-own-ref.c', []],
  // An ignored conditional get cannot fail while the path holds a reference (pinned);
  // without one it is reported.
  [
    'fp-classes/pinned-conditional-get.c',
    ['confident warning unchecked-conditional-get ticket_share_unpinned 28: '],
  ],
  // A removal helper that also stores a status mask into the object is still a removal:
  // a stored integer is no reference.
  ['fp-classes/removal-with-status.c', []],
  // Control: a real double put stays a confident error.
  [
    'fp-classes/true-double-put.c',
    ['confident error double-put badge_flash 19: ', 'confident error double-put badge_flash 20: '],
  ],
];

describe('false-positive classes', () => {
  for (const [file, expected] of CASES)
    it(file, async () => {
      const model = await analyzeFixture(...file.split('+'));
      expect(
        model.findings.map(
          (f) =>
            `${f.confidence} ${f.severity} ${f.kind} ${f.function} ${f.at.line}: ${f.guesses.join('; ')}`,
        ),
      ).toEqual(expected);
    });
});
