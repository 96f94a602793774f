// The rule registry: adding a behaviour-change rule means adding a module here.
import { atomicSleepRule } from './atomicSleep';
import { deferralMechanismRule } from './deferralMechanism';
import { entryPointsRule } from './entryPoints';
import { finalPutSitesRule } from './finalPutSites';
import { hashPathsRule } from './hashPaths';
import { referenceOwnershipRule } from './referenceOwnership';
import { releaseContextRule } from './releaseContext';
import type { Rule } from './ruleContext';

export const RULES: readonly Rule[] = [
  releaseContextRule,
  referenceOwnershipRule,
  finalPutSitesRule,
  hashPathsRule,
  atomicSleepRule,
  deferralMechanismRule,
  entryPointsRule,
];
