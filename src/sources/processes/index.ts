/**
 * The stale-process view (issue 5): collect (collect.ts), decide ownership (ownership.ts), kill
 * (kill.ts). The UI is in src/ui/processes/.
 */
export { collectProcesses, onlyPod, processViewFromOutput, ProcessCollectError, type CollectOptions } from './collect.js';
export {
  defaultAuditPath,
  killProcess,
  killTarget,
  podLabel,
  type KillOptions,
  type KillOutcome,
  type KillResult,
  type KillTarget,
} from './kill.js';
export type * from './types.js';
