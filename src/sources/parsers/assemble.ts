/**
 * Turns one sampler frame into a NodeSample. The sampler reads identity (index, peer, kind),
 * MTU/flags and routes at slower cadences than the counters; the Assembler keeps the last known
 * values so every sample carries complete interfaces. Pure apart from its own cache.
 */
import type { Collected, Iface, IfaceKind, KernelEvent, NodeSample } from '../types.js';
import { parseConntrackS, parseConntrackStat, parseCountMax } from './conntrack.js';
import { parseFacts } from './facts.js';
import { type Frame, type Section, splitGrepBundle } from './frame.js';
import {
  type IpLinkDetail,
  type LinkIdentity,
  type LinkState,
  parseIpLinkDetail,
  parseLinkFiles,
  parseLinkIdentity,
} from './links.js';
import { parseFdb, parseNeighbours, parseRoutes } from './net.js';
import { parseNetDev } from './netdev.js';
import { parsePodCgroups } from './podcgroups.js';
import { parseAwkStates, parseSsCounts, parseTcpCounters } from './tcp.js';

const CT = '/proc/sys/net/netfilter/';
const IFF_UP = 0x1;
const IFF_PROMISC = 0x100;

function collect<T>(section: Section | undefined, parse: (lines: string[]) => T): Collected<T> | undefined {
  if (!section) return undefined;
  if (section.missing !== undefined && section.lines.length === 0) {
    const m = section.missing;
    if (m.startsWith('nofile') || m.startsWith('notool')) return { status: 'nodata', reason: m.replace(/^(\w+) /, '$1: ') };
    return { status: 'error', error: m };
  }
  if (section.missing !== undefined) return { status: 'error', error: `${section.missing}: ${section.lines.join(' ').slice(0, 200)}` };
  try {
    return { status: 'ok', data: parse(section.lines) };
  } catch (e) {
    return { status: 'error', error: (e as Error).message };
  }
}

function guard<T>(fn: () => T): Collected<T> {
  try {
    return { status: 'ok', data: fn() };
  } catch (e) {
    return { status: 'error', error: (e as Error).message };
  }
}

export class Assembler {
  private identity = new Map<string, LinkIdentity>();
  /** by ifindex: `ip` prints names in its own way, the index is unambiguous */
  private detail = new Map<number, IpLinkDetail>();
  private medium = new Map<string, LinkState>();
  private ports = new Map<string, { bridge: string; hairpin: boolean }>();
  /** true when an interface appeared whose identity is unknown: ask for a "k" tick */
  needIdentity = true;

  assemble(frame: Frame, at: number, latencyMs: number, kernelEvents: KernelEvent[]): NodeSample {
    const s = frame.sections;
    const bundle = s.get('grep');
    const files = bundle ? splitGrepBundle(bundle) : new Map<string, string[]>();

    const ctCount = files.get(CT + 'nf_conntrack_count');
    let conntrack: NodeSample['conntrack'];
    if (!ctCount) conntrack = { status: 'nodata', reason: 'nf_conntrack module not loaded (no /proc/sys/net/netfilter/nf_conntrack_count)' };
    else {
      conntrack = guard(() => {
        const cm = parseCountMax(ctCount[0], files.get(CT + 'nf_conntrack_max')?.[0]);
        const statLines = files.get('/proc/net/stat/nf_conntrack');
        if (statLines) return { ...cm, stats: parseConntrackStat(statLines), statsSource: 'proc' as const };
        const ctS = s.get('ctstat');
        if (ctS && !ctS.missing) return { ...cm, stats: parseConntrackS(ctS.lines), statsSource: 'conntrack -S' as const };
        return cm;
      });
    }

    const uptimeLine = files.get('/proc/uptime')?.[0];
    const uptime = uptimeLine ? Number(uptimeLine.split(' ')[0]) : undefined;

    if (s.get('linkk')) {
      this.identity = parseLinkIdentity(s.get('linkk')!.lines);
      this.needIdentity = false;
    }
    const ipl = s.get('iplink');
    if (ipl && !ipl.missing) this.detail = new Map(parseIpLinkDetail(ipl.lines).map((d) => [d.ifindex, d]));
    const read = parseLinkFiles(files);
    if (read.ports) {
      // a tick that read MTU, flags and hairpin: those become the known values
      this.medium = read.links;
      this.ports = read.ports;
    }

    const interfaces = guard(() => {
      const fast = read.links;
      const counters = files.has('/proc/net/dev') ? parseNetDev(files.get('/proc/net/dev')!) : new Map();
      const out: Iface[] = [];
      for (const [name, st] of fast) {
        const id = this.identity.get(name);
        if (!id) this.needIdentity = true;
        const det = id ? this.detail.get(id.ifindex) : undefined;
        const med = read.ports ? st : this.medium.get(name);
        const port = this.ports.get(name);
        const flags = med?.flags ?? 0;
        out.push({
          name,
          ifindex: id?.ifindex ?? det?.ifindex ?? 0,
          iflink: id?.iflink ?? 0,
          kind: kindOf(name, id, det),
          master: port?.bridge ?? det?.master,
          mtu: med?.mtu ?? det?.mtu ?? 0,
          operstate: st.operstate,
          flags,
          adminUp: (flags & IFF_UP) !== 0,
          promisc: (flags & IFF_PROMISC) !== 0,
          mac: id?.mac,
          linkNetnsId: det?.linkNetnsId,
          ...(det?.linkNetns !== undefined ? { linkNetns: det.linkNetns } : {}),
          hairpin: port?.hairpin,
          counters: counters.get(name),
        });
      }
      // drop cache entries of interfaces that are gone
      for (const name of [...this.medium.keys()]) if (!fast.has(name)) this.medium.delete(name);
      return out;
    });

    const snmp = files.get('/proc/net/snmp');
    const tcpCounters: NodeSample['tcpCounters'] = snmp
      ? guard(() => parseTcpCounters(snmp, files.get('/proc/net/sockstat')))
      : { status: 'nodata', reason: 'no /proc/net/snmp' };

    return {
      at,
      seq: frame.seq,
      uptime,
      conntrack,
      interfaces,
      // IPv4 and IPv6 routes come at different cadences: each is its own collector
      routes4: collect(s.get('route4'), (l) => parseRoutes(l, 4)),
      routes6: collect(s.get('route6'), (l) => parseRoutes(l, 6)),
      neighbours: collect(s.get('neigh'), parseNeighbours),
      // the sampler reads the fdb only when the node has a bridge: an r tick without it says so
      fdb: collect(s.get('fdb'), parseFdb) ?? (s.has('neigh') ? { status: 'nodata', reason: 'no bridge on the node' } : undefined),
      tcp: collect(s.get('tcpss'), parseSsCounts) ?? collect(s.get('tcpawk'), parseAwkStates),
      tcpCounters,
      facts: collect(s.get('facts'), parseFacts),
      podCgroups: collect(s.get('podcg'), (l) => [...parsePodCgroups(l).values()]),
      kernelEvents,
      latencyMs,
    };
  }
}

function kindOf(name: string, id: LinkIdentity | undefined, det: IpLinkDetail | undefined): IfaceKind {
  if (det && det.kind !== 'other') return det.kind;
  if (name === 'lo') return 'loopback';
  if (id?.sysKind === 'bridge') return 'bridge';
  if (id?.sysKind === 'device') return 'device';
  // without `ip -d`: an interface whose peer index differs from its own is almost always a veth
  if (id && id.iflink !== id.ifindex && id.iflink !== 0) return 'veth';
  return 'other';
}
