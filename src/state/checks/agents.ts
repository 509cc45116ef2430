/**
 * Node agents (kube-proxy and the CNI's agent): a DaemonSet pod on this node that says Running and
 * ready while no such process runs on the node, or whose container crash-loops (Chinese and
 * Russian guides). Pods from the API (owner from metadata.ownerReferences), processes from the
 * agents collector. Pure.
 */
import type { PodInfo } from '../../sources/types.js';
import { remedyOf, severityOf } from '../catalogue.js';
import { isLive, valueOf } from '../model.js';
import type { NodeState, Problem } from '../types.js';
import { missing, type NodeRule, type Outcome } from './outcome.js';

export interface AgentDef {
  agent: string;
  /** pod name prefixes ("<prefix>-…") and main container names that make a pod this agent's */
  pods: readonly string[];
  containers: readonly string[];
  /** /proc/PID/comm of its process (15 characters at most) */
  procs: readonly string[];
}

export const AGENTS: readonly AgentDef[] = [
  { agent: 'kube-proxy', pods: ['kube-proxy'], containers: ['kube-proxy'], procs: ['kube-proxy'] },
  { agent: 'calico-node', pods: ['calico-node'], containers: ['calico-node'], procs: ['calico-node'] },
  { agent: 'cilium', pods: [], containers: ['cilium-agent'], procs: ['cilium-agent'] },
  { agent: 'flannel', pods: ['kube-flannel', 'kube-flannel-ds'], containers: ['kube-flannel'], procs: ['flanneld'] },
  { agent: 'aws-node', pods: ['aws-node'], containers: ['aws-node'], procs: ['aws-k8s-agent'] },
  { agent: 'netd', pods: ['netd'], containers: ['netd'], procs: ['netd'] },
  { agent: 'anetd', pods: ['anetd'], containers: ['cilium-agent', 'anetd'], procs: ['cilium-agent', 'anetd'] },
  { agent: 'kube-router', pods: ['kube-router'], containers: ['kube-router'], procs: ['kube-router'] },
  { agent: 'antrea-agent', pods: ['antrea-agent'], containers: ['antrea-agent'], procs: ['antrea-agent'] },
  { agent: 'weave-net', pods: ['weave-net'], containers: ['weave'], procs: ['weaver'] },
];

/** every process name an agent runs as (what the agents collector looks for) */
export const AGENT_PROCS: readonly string[] = [...new Set(AGENTS.flatMap((a) => a.procs))];

/** the agent a pod runs: a DaemonSet's pod (or a static pod, owner Node) named or with a container named like one */
export function agentOf(pod: PodInfo): AgentDef | undefined {
  if (pod.owner?.kind !== 'DaemonSet' && pod.owner?.kind !== 'Node') return undefined;
  const main = pod.containers.filter((c) => c.kind === 'container').map((c) => c.name);
  return AGENTS.find((a) => a.containers.some((c) => main.includes(c)) || a.pods.some((p) => pod.name.startsWith(`${p}-`)));
}

const podId = (p: PodInfo) => `${p.namespace}/${p.name}`;

function agentPods(node: NodeState): { pod: PodInfo; agent: AgentDef }[] | { cannot: string } | { na: string } {
  const k = node.kube;
  if (!k || (k.status.kind !== 'ok' && !k.pods.length)) return { cannot: k ? `no pod list: ${k.status.message ?? k.status.kind}` : 'no Kubernetes API' };
  if (!isLive(node)) return { cannot: 'node not live' };
  const out = k.pods.flatMap((pod) => {
    const agent = agentOf(pod);
    return agent && pod.phase !== 'Succeeded' && pod.phase !== 'Failed' && !pod.terminating ? [{ pod, agent }] : [];
  });
  return out.length ? out : { na: 'no node-agent DaemonSet pod on this node' };
}

const crashLooping = (pod: PodInfo) => pod.containers.filter((c) => c.kind !== 'ephemeral' && c.state === 'CrashLoopBackOff');

export const agentMissing: NodeRule = {
  id: 'agent-missing',
  run(node): Outcome {
    const pods = agentPods(node);
    if (!Array.isArray(pods)) return pods;
    const why = missing(node, 'agents');
    if (why) return { cannot: why };
    const running = new Set(valueOf(node, 'agents')!.map((a) => a.name));
    const out: Problem[] = [];
    for (const { pod, agent } of pods) {
      const main = pod.containers.filter((c) => c.kind === 'container');
      // only a pod that says all is well: Running with its containers ready and running
      if (pod.phase !== 'Running' || !main.length || !main.every((c) => c.ready && c.state === 'running')) continue;
      if (agent.procs.some((p) => running.has(p))) continue;
      out.push({
        severity: severityOf('agent-missing'),
        code: 'agent-missing',
        subject: podId(pod),
        message: `${agent.agent}: pod ${podId(pod)} says Running and ready, but no ${agent.procs.join(' / ')} process runs on the node`,
        remedy: remedyOf('agent-missing'),
      });
    }
    return out;
  },
};

export const agentCrashloop: NodeRule = {
  id: 'agent-crashloop',
  run(node): Outcome {
    const pods = agentPods(node);
    if (!Array.isArray(pods)) return pods;
    return pods.flatMap(({ pod, agent }) => {
      const bad = crashLooping(pod);
      if (!bad.length) return [];
      const c = bad[0]!;
      const last = c.lastTerminated?.reason ? `, last exit ${c.lastTerminated.reason}${c.lastTerminated.exitCode !== undefined ? ` (${c.lastTerminated.exitCode})` : ''}` : '';
      return [
        {
          severity: severityOf('agent-crashloop'),
          code: 'agent-crashloop',
          subject: podId(pod),
          message: `${agent.agent}: container ${c.name} of ${podId(pod)} is in CrashLoopBackOff (${c.restartCount} restarts${last})`,
          remedy: remedyOf('agent-crashloop'),
        },
      ];
    });
  },
};

/** pods of the node with a crash-looping container (raises selinux) */
export function crashLoopingPods(node: NodeState): PodInfo[] {
  return (node.kube?.pods ?? []).filter((p) => crashLooping(p).length > 0);
}
