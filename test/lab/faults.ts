/**
 * Node-local faults for the lab's "many nodes, slow nodes" tests, each inside ONE node only:
 * - a slow login shell: /root/.bashrc in the node's private /root (bash runs it for every SSH
 *   command, as a node whose .bashrc runs `pyenv init` does) sleeps or burns CPU for a while;
 * - SYNs to port 22 dropped by iptables in the node's own netns (a firewall that black-holes
 *   SSH: connects hang instead of being refused).
 */
import { runInNetns, run, joinCgroupsArgv, nsenterNodeArgv } from './sys.js';
import { nodeProcsFiles } from './node.js';
import type { NodeState } from './types.js';

export interface LoginDelay {
  seconds: number;
  /** 'sleep' (default): wall time only; 'burn': spins the CPU for up to that long */
  mode?: 'sleep' | 'burn';
}

export function bashrcFor(d: LoginDelay | undefined): string {
  if (!d || d.seconds <= 0) return '';
  const s = String(Math.min(30, d.seconds));
  const body = d.mode === 'burn' ? `timeout ${s} sh -c 'while :; do :; done'` : `sleep ${s}`;
  return `# netwatch lab: a slow login shell\n${body}\n`;
}

/** writes (or empties) the node's /root/.bashrc; its /root is a tmpfs of the node alone */
export async function setLoginDelay(node: NodeState, d: LoginDelay | undefined): Promise<void> {
  const argv = joinCgroupsArgv(nodeProcsFiles(node), nsenterNodeArgv(node.holderPid, ['sh', '-c', 'cat > /root/.bashrc']));
  await run(argv, { input: bashrcFor(d) });
}

const SYN_RULE = ['INPUT', '-p', 'tcp', '--dport', '22', '--syn', '-j', 'DROP'];

/** drops (on) or accepts again (off) new TCP connections to the node's sshd, in its netns */
export async function setDropSyn(node: NodeState, on: boolean): Promise<void> {
  const present = (await runInNetns(node.holderPid, ['iptables', '-w', '-C', ...SYN_RULE], { allowFail: true })).code === 0;
  if (on && !present) await runInNetns(node.holderPid, ['iptables', '-w', '-I', ...SYN_RULE]);
  if (!on && present) await runInNetns(node.holderPid, ['iptables', '-w', '-D', ...SYN_RULE]);
}
