/** The agents collector on the node (remote/slow.sh) looks for every process name the agent checks expect. */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { AGENT_PROCS } from '../../src/state/checks/agents.js';

describe('node agents', () => {
  it('slow.sh matches every process name agent-missing compares against', () => {
    const sh = readFileSync(new URL('../../src/sources/remote/slow.sh', import.meta.url), 'utf8');
    const m = sh.match(/^\s*(kube-proxy\|[^)]+)\)/m);
    expect(m, 'the case pattern of agent names in slow.sh').toBeTruthy();
    const names = new Set(m![1]!.split('|'));
    for (const p of AGENT_PROCS) expect(names.has(p), p).toBe(true);
  });
});
