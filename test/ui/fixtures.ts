/**
 * NodeStates and stores for UI tests, built directly (no sampler): a bridge node with pods on
 * veths, and nodes in every status.
 */
import { createStore } from 'zustand/vanilla';
import type { Iface, NodeSample, PodInfo } from '../../src/sources/types.js';
import { modelWith } from '../../src/state/model.js';
import { newNode } from '../../src/state/store.js';
import type { AppState, IfaceRates, NodeState, NodeStatus, Problem } from '../../src/state/types.js';

export const NOW = Date.UTC(2025, 0, 15, 10, 30, 0);

export function iface(name: string, kind: Iface['kind'], extra: Partial<Iface> = {}): Iface {
  return {
    name,
    ifindex: 1,
    iflink: 1,
    kind,
    mtu: 1460,
    operstate: 'up',
    flags: 0x1003,
    adminUp: true,
    promisc: false,
    counters: { rxBytes: 0, rxPackets: 0, rxErrors: 0, rxDropped: 0, txBytes: 0, txPackets: 0, txErrors: 0, txDropped: 0 },
    ...extra,
  };
}

export function pod(ns: string, name: string, ip: string, extra: Partial<PodInfo> = {}): PodInfo {
  return { namespace: ns, name, uid: `uid-${name}`, nodeName: 'node-a', phase: 'Running', podIPs: [ip], hostNetwork: false, containers: [], ...extra };
}

function rates(rx: number, tx: number, drops = 0): IfaceRates {
  return { rxBps: rx, txBps: tx, rxPps: rx / 500, txPps: tx / 500, dropsPerSec: drops, errorsPerSec: 0 };
}

export interface NodeOpts {
  status?: NodeStatus;
  count?: number;
  max?: number;
  problems?: Problem[];
  kube?: boolean;
  veths?: number;
}

/** a live bridge node: eth0, cbr0, veths on cbr0 (the second one with MTU 1500), lo */
export function bridgeNode(name: string, o: NodeOpts = {}): NodeState {
  const base = newNode(name, `10.0.0.${name.length}`, NOW - 60_000);
  const nVeth = o.veths ?? 3;
  const veths = Array.from({ length: nVeth }, (_, i) =>
    iface(`veth${i + 1}`, 'veth', { master: 'cbr0', hairpin: true, linkNetnsId: i, mtu: i === 1 ? 1500 : 1460 }),
  );
  const ifaces = [iface('lo', 'loopback', { mtu: 65536, operstate: 'unknown' }), ...veths, iface('cbr0', 'bridge', { promisc: true }), iface('eth0', 'device')];
  const sample: NodeSample = {
    at: NOW - 500,
    seq: 42,
    uptime: 3600,
    conntrack: { status: 'ok', data: { count: o.count ?? 1234, max: o.max ?? 262144, stats: { found: 0, invalid: 3, insert: 0, insertFailed: 7, drop: 2, earlyDrop: 0, error: 0, searchRestart: 11 }, statsSource: 'proc' } },
    interfaces: { status: 'ok', data: ifaces },
    tcpCounters: { status: 'ok', data: { activeOpens: 0, passiveOpens: 0, attemptFails: 0, estabResets: 0, currEstab: 5, retransSegs: 0, outRsts: 0, inErrs: 0 } },
    kernelEvents: [],
    latencyMs: 12,
  };
  const ifaceRates: Record<string, IfaceRates> = { eth0: rates(2_500_000, 1_200_000), cbr0: rates(300_000, 200_000, 1.5) };
  veths.forEach((v, i) => (ifaceRates[v.name] = rates(10_000 * (i + 1), 5_000)));
  const pods = Array.from({ length: nVeth }, (_, i) => pod('default', `web-${i + 1}`, `10.64.0.${i + 10}`, { nodeName: name }));
  const node: NodeState = {
    ...base,
    status: o.status ?? { kind: 'live', since: NOW - 50_000 },
    sample,
    model: modelWith(
      {
        conntrack: sample.conntrack.status === 'ok' ? sample.conntrack.data : undefined,
        interfaces: ifaces,
        tcpCounters: sample.tcpCounters.status === 'ok' ? sample.tcpCounters.data : undefined,
        routes4: [{ dst: 'default', dev: 'eth0', gateway: '10.0.0.1', family: 4 }],
        tcpStates: { SYN_SENT: 3, SYN_RECV: 0, TIME_WAIT: 120, ESTABLISHED: 5 },
        facts: { kernel: '6.1.0-18-amd64', os: 'Debian GNU/Linux 12 (bookworm)', sysctl: {} },
      },
      NOW - 500,
    ),
    rates: { ifaces: ifaceRates, conntrackDropsPerSec: 0, conntrackInsertFailedPerSec: 0, conntrackGrowthPerSec: 2, tcpAttemptFailsPerSec: 0, tcpResetsPerSec: 1, tcpRetransPerSec: 0.2 },
    history: { conntrackPct: [0.3, 0.4, 0.5, 0.47], drops: [0, 1, 1.5, 1.5], rxBps: [1, 2, 3, 2] },
    problems: o.problems ?? [],
  };
  if (o.kube) {
    node.kube = {
      pods,
      status: { kind: 'ok' },
      links: pods.map((p, i) => ({ pod: p, iface: veths[i], method: i === 2 ? ('netns-peer' as const) : ('neighbour+fdb' as const) })),
      strayVeths: [],
    };
  }
  return node;
}

export function appState(nodes: NodeState[], extra: Partial<AppState> = {}): AppState {
  return {
    order: nodes.map((n) => n.name),
    nodes: Object.fromEntries(nodes.map((n) => [n.name, n])),
    interval: 1,
    kube: { kind: 'off' },
    ticks: 7,
    startedAt: NOW - 60_000,
    readonly: false,
    differences: [],
    marks: [],
    ...extra,
  };
}

export function testStore(nodes: NodeState[], extra: Partial<AppState> = {}) {
  return createStore<AppState>()(() => appState(nodes, extra));
}

export const wait = (ms = 30) => new Promise((r) => setTimeout(r, ms));
