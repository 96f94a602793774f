// The rule registry: adding a behaviour-change rule means adding a module here.
import { annotationsRule } from './annotations';
import { atomicSleepRule } from './atomicSleep';
import { deferralMechanismRule } from './deferralMechanism';
import { entryPointsRule } from './entryPoints';
import { finalPutSitesRule } from './finalPutSites';
import { flushContextRule } from './flushContext';
import { hashPathsRule } from './hashPaths';
import { lruRedesignRule } from './lruRedesign';
import { referenceOwnershipRule } from './referenceOwnership';
import { refcountTypeRule } from './refcountType';
import { releaseConditionRule } from './releaseCondition';
import { releaseContextRule } from './releaseContext';
import type { Rule } from './ruleContext';
import { unsafeFreeRule } from './unsafeFree';

export const RULES: readonly Rule[] = [
  releaseContextRule,
  referenceOwnershipRule,
  finalPutSitesRule,
  hashPathsRule,
  atomicSleepRule,
  deferralMechanismRule,
  entryPointsRule,
  flushContextRule,
  annotationsRule,
  refcountTypeRule,
  unsafeFreeRule,
  releaseConditionRule,
  lruRedesignRule,
];
