// Graph models of lifecycles, execution contexts and revision comparisons, and
// their DOT form. Pure: no I/O, no vscode, no DOM.
export * from './graphTypes';
export {
  buildLifecycleGraph,
  buildLifecycleGraphs,
  LIFECYCLE_STATES,
  STATE_LABELS,
} from './lifecycleGraph';
export {
  buildContextGraph,
  contextNodeId,
  edgeId,
  functionNodeId,
  ModelIndex,
  releaseNodeId,
  walkChain,
} from './contextGraph';
export { applyOptions, collapseLanes, collapseOffPath, filterByContexts } from './transform';
export { focusOnEvidence } from './focus';
export { buildCompareGraphs, diffGraphs, renameModel } from './compareGraph';
export { dotLabel, dotString, PALETTE, svgId, toDot, type DotOptions } from './dot';
