/**
 * Turns one sampler frame into a NodeSample. The sampler reads identity (index, peer, kind),
 * MTU/flags and routes at slower cadences than the counters; the Assembler keeps the last known
 * values so every sample carries complete interfaces. Pure apart from its own cache.
 */
import type { Collected, Iface, IfaceKind, IptablesBackend, IptablesState, IptRuleset, IpvsState, KernelEvent, NftRuleset, NodeSample } from '../types.js';
import { parseAgents } from './agents.js';
import { parseHairpin } from './hairpin.js';
import { parseIptablesSave, parseIptablesVersion, parseSlowIpt } from './iptables.js';
import { parseNftRuleset } from './nft.js';
import { parseIpvs, parseIpvsConnCounts } from './ipvs.js';
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
  /** the last full rule set per backend: an "unchanged" answer (same hash) keeps it */
  private rulesets: Partial<Record<IptablesBackend, IptRuleset>> = {};

  /** the hash of the rule set netwatch has for a backend (sent with the next slow request) */
  knownHash(b: IptablesBackend): string | undefined {
    return this.rulesets[b]?.hash;
  }

  /** the last `nft list ruleset` (section nftrs): an "unchanged" answer keeps it */
  private nftRuleset: NftRuleset | undefined;

  /** the hash of the nft rule set netwatch has (sent with the next slow request) */
  knownNftHash(): string | undefined {
    return this.nftRuleset?.hash;
  }

  /** the slow collectors' sections (remote/slow.sh), present only on "x" ticks */
  private slow(s: Map<string, Section>): Pick<NodeSample, 'iptables' | 'ipvs' | 'agents' | 'hairpin'> {
    if (!s.has('iptv') && !s.has('ipt_legacy') && !s.has('ipt_nft') && !s.has('agents')) return {};
    return {
      iptables: this.iptables(s),
      ipvs: ipvsOf(s.get('ipvs'), s.get('ipvsconn')),
      agents: collect(s.get('agents'), parseAgents),
      hairpin: collect(s.get('hairpin'), parseHairpin),
    };
  }

  private iptables(s: Map<string, Section>): Collected<IptablesState> | undefined {
    const v = s.get('iptv');
    const state: IptablesState = { backends: {}, shippedBytes: 0 };
    if (v && !v.missing) Object.assign(state, parseIptablesVersion(v.lines));
    let any = false;
    for (const b of ['legacy', 'nft'] as const) {
      const sec = s.get(`ipt_${b}`);
      if (!sec) continue;
      const got = collect(sec, (lines) => {
        const a = parseSlowIpt(lines);
        if (a.same) {
          const known = this.rulesets[b];
          if (!known || known.hash !== a.hash) throw new Error(`the node says the ${b} rule set is unchanged (${a.hash}) but netwatch has no such copy`);
          return known;
        }
        state.shippedBytes! += a.text.reduce((n, l) => n + Buffer.byteLength(l, 'latin1') + 1, 0);
        return parseIptablesSave(a.text, a.hash);
      });
      if (!got) continue;
      if (got.status === 'ok') {
        any = true;
        this.rulesets[b] = got.data;
      } else delete this.rulesets[b];
      state.backends[b] = got;
    }
    const nsec = s.get('nftrs');
    if (nsec) {
      const got = collect(nsec, (lines) => {
        const a = parseSlowIpt(lines);
        if (a.same) {
          const known = this.nftRuleset;
          if (!known || known.hash !== a.hash) throw new Error(`the node says the nft rule set is unchanged (${a.hash}) but netwatch has no such copy`);
          return known;
        }
        state.shippedBytes! += a.text.reduce((n, l) => n + Buffer.byteLength(l, 'latin1') + 1, 0);
        return parseNftRuleset(a.text, a.hash);
      });
      if (got?.status === 'ok') this.nftRuleset = got.data;
      else this.nftRuleset = undefined;
      if (got) state.nftables = got;
    }
    if (!any && !state.version && (!state.nftables || state.nftables.status === 'nodata')) {
      // nothing readable: say why (the version's reason first, it names the missing tool)
      if (v?.missing) return collect(v, () => state) as Collected<IptablesState>;
      const first = Object.values(state.backends)[0];
      if (first && first.status !== 'ok') return first as Collected<IptablesState>;
      if (!v && !first) return undefined;
    }
    return { status: 'ok', data: state };
  }

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
      ...this.slow(s),
      kernelEvents,
      latencyMs,
    };
  }
}

/** IPVS: the module's files missing = no IPVS on the node (nodata), not a failure */
function ipvsOf(svc: Section | undefined, conn: Section | undefined): Collected<IpvsState> | undefined {
  const services = collect(svc, parseIpvs);
  if (!services) return undefined;
  if (services.status !== 'ok') return services as Collected<IpvsState>;
  const conns = collect(conn, parseIpvsConnCounts);
  if (conns && conns.status === 'error') return conns as Collected<IpvsState>;
  return { status: 'ok', data: { services: services.data, conns: conns?.status === 'ok' ? conns.data : {} } };
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
