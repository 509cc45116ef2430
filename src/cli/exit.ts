/** What --fail-on counts: problems at or above a severity on nodes that were sampled. Pure. */
import type { AppState, Problem, Severity } from '../state/types.js';

const RANK: Record<Severity, number> = { info: 0, warn: 1, crit: 2 };

/** [node, problem] pairs at or above `level`; a node without a sample has no problems to count */
export function problemsAtOrAbove(st: AppState, level: 'warn' | 'crit'): Array<readonly [string, Problem]> {
  const out: Array<readonly [string, Problem]> = [];
  for (const name of st.order) {
    const n = st.nodes[name]!;
    if (!n.sample) continue;
    for (const p of n.problems) if (RANK[p.severity] >= RANK[level]) out.push([name, p]);
  }
  return out;
}
