/**
 * The JSON Schema of `netwatch --once --json` (version 1), as TypeBox schemas written from the
 * report's TypeScript shape (report.ts nodeReport, src/sources/types.ts, src/state/types.ts).
 * test/unit/report-schema.test.ts checks that the TypeScript types agree, validates real reports
 * against it, and that docs/once-json.schema.json is what `onceJsonSchema()` generates
 * (`npm run build && node scripts/schemas.mjs` writes it). Objects are closed: a field added to the report without its
 * schema fails the tests.
 */
import { FormatRegistry, Type, type TSchema } from '@sinclair/typebox';
import { COLLECTORS } from '../state/model.js';

// TypeBox checks formats it is given: an ISO 8601 UTC time as Date.toISOString writes it
if (!FormatRegistry.Has('date-time')) FormatRegistry.Set('date-time', (v) => /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$/.test(v) && !Number.isNaN(Date.parse(v)));

const Obj = <T extends Record<string, TSchema>>(props: T, description?: string) => Type.Object(props, { additionalProperties: false, ...(description ? { description } : {}) });
const Opt = Type.Optional;
const Int = (description?: string) => Type.Integer({ minimum: 0, ...(description ? { description } : {}) });
const Lit = <T extends string>(...v: T[]) => Type.Union(v.map((x) => Type.Literal(x)));

/** a collector's value: ok with data, no such source on the node, or its error */
const Collected = <T extends TSchema>(data: T) =>
  Type.Union([
    Obj({ status: Type.Literal('ok'), data }),
    Obj({ status: Type.Literal('nodata'), reason: Type.String() }),
    Obj({ status: Type.Literal('error'), error: Type.String() }),
  ]);

export const KubeStatus = Obj({ kind: Lit('ok', 'error', 'forbidden', 'unreachable', 'off'), message: Opt(Type.String()) });

const ConntrackStats = Obj({
  found: Int(), invalid: Int(), insert: Int(), insertFailed: Int(), drop: Int(), earlyDrop: Int(), error: Int(), searchRestart: Int(),
});
export const Conntrack = Obj({
  count: Int('nf_conntrack_count'), max: Int('nf_conntrack_max'), stats: Opt(ConntrackStats), statsSource: Opt(Lit('proc', 'conntrack -S')),
});

const IfaceCounters = Obj({ rxBytes: Int(), rxPackets: Int(), rxErrors: Int(), rxDropped: Int(), txBytes: Int(), txPackets: Int(), txErrors: Int(), txDropped: Int() });
export const Iface = Obj({
  name: Type.String({ description: 'as the node names it (may hold any byte a name can; JSON-escaped)' }),
  ifindex: Type.Integer(), iflink: Type.Integer(),
  kind: Lit('loopback', 'device', 'veth', 'bridge', 'vxlan', 'geneve', 'bond', 'vlan', 'macvlan', 'ipvlan', 'tun', 'wireguard', 'dummy', 'other'),
  master: Opt(Type.String()), mtu: Int(), operstate: Type.String(), flags: Int('IFF_* flags'), adminUp: Type.Boolean(), promisc: Type.Boolean(),
  mac: Opt(Type.String()), linkNetnsId: Opt(Type.Integer()), linkNetns: Opt(Type.String({ description: 'named namespace of the peer (ip -d link: link-netns NAME)' })), hairpin: Opt(Type.Boolean()), counters: Opt(IfaceCounters),
});
export const Route = Obj({
  dst: Type.String({ description: "'default' or a CIDR" }), gateway: Opt(Type.String()), dev: Opt(Type.String()), proto: Opt(Type.String()),
  scope: Opt(Type.String()), src: Opt(Type.String()), family: Type.Union([Type.Literal(4), Type.Literal(6)]),
});
const Neighbour = Obj({ ip: Type.String(), dev: Type.String(), mac: Opt(Type.String()), state: Type.String(), router: Opt(Type.Boolean()) });
const FdbEntry = Obj({ mac: Type.String(), dev: Type.String(), master: Opt(Type.String()), vlan: Opt(Type.Integer()), permanent: Type.Boolean(), self: Type.Boolean() });
const TcpCounters = Obj({
  activeOpens: Int(), passiveOpens: Int(), attemptFails: Int(), estabResets: Int(), currEstab: Int(), retransSegs: Int(), outRsts: Int(), inErrs: Int(),
  inuse: Opt(Int()), orphan: Opt(Int()), timeWait: Opt(Int()),
});
const NodeFacts = Obj({
  hostname: Opt(Type.String()), kernel: Opt(Type.String()), os: Opt(Type.String()), memTotalKb: Opt(Int()),
  sysctl: Type.Record(Type.String(), Type.String()), selinuxEnforcing: Opt(Type.Boolean()),
});
const KernelEvent = Obj({ seq: Int(), usec: Int(), text: Type.String() });
export const Problem = Obj({
  severity: Lit('crit', 'warn', 'info'), code: Type.String(), message: Type.String(), subject: Opt(Type.String()), remedy: Opt(Type.String()),
});
const IptRule = Obj({
  spec: Type.String({ description: 'the rule as iptables-save prints it after "-A CHAIN "' }),
  target: Opt(Type.String()), comment: Opt(Type.String()), source: Opt(Type.String()), dest: Opt(Type.String()), proto: Opt(Type.String()),
  dport: Opt(Type.String()), inIface: Opt(Type.String()), outIface: Opt(Type.String()), toDestination: Opt(Type.String()),
});
const IptRuleset = Obj({
  hash: Type.String({ description: "the node's hash of the save text (comments and counters stripped)" }),
  tables: Type.Record(Type.String(), Type.Record(Type.String(), Obj({ policy: Opt(Type.String()), rules: Type.Array(IptRule) }))),
  ruleCount: Int('-A lines over all tables'),
});
const NftRuleset = Obj({
  hash: Type.String({ description: "the node's hash of `nft list ruleset` (comments, handles and counter values stripped)" }),
  tables: Type.Record(Type.String(), Obj({
    family: Type.String(), name: Type.String(), comment: Opt(Type.String()),
    chains: Type.Record(Type.String(), Obj({
      type: Opt(Type.String()), hook: Opt(Type.String()), priority: Opt(Type.String()), policy: Opt(Type.String()), comment: Opt(Type.String()),
      rules: Type.Array(Type.String()),
    })),
    sets: Type.Record(Type.String(), Obj({ kind: Lit('set', 'map'), type: Opt(Type.String()), flags: Opt(Type.String()), elements: Type.Array(Type.String()) })),
  }), { description: '"FAMILY NAME" -> table' }),
  ruleCount: Int('rules over all chains'),
});
export const IptablesState = Obj({
  version: Opt(Type.String({ description: '`iptables -V` as printed' })),
  mode: Opt(Lit('legacy', 'nft')),
  backends: Obj({ legacy: Opt(Collected(IptRuleset)), nft: Opt(Collected(IptRuleset)) }),
  shippedBytes: Opt(Int('bytes of rule text the last read brought (0: unchanged, only hashes came)')),
  nftables: Opt(Collected(NftRuleset)),
});
const IpvsState = Obj({
  services: Type.Array(Obj({
    proto: Type.String(), addr: Type.String(), port: Int(), scheduler: Type.String(),
    reals: Type.Array(Obj({ addr: Type.String(), port: Int(), weight: Type.Integer(), active: Int(), inactive: Int() })),
  })),
  conns: Type.Record(Type.String(), Type.Record(Type.String(), Int()), { description: '/proc/net/ip_vs_conn counted: "PROTO ADDR:PORT" -> state -> count' }),
});
const AgentProc = Obj({ name: Type.String(), pid: Int(), ageSec: Opt(Int()) });
const HairpinConn = Obj({ proto: Type.String(), src: Type.String(), dst: Type.String(), dport: Int(), state: Type.String() });
const CollectorReport = Obj({
  status: Lit('pending', 'ok', 'nodata', 'error'), ageMs: Opt(Int('age of the last good value')), stale: Opt(Type.Boolean()),
  error: Opt(Type.String()), statusAgeMs: Opt(Int('since the status was set')),
});
const PodItem = Obj({
  namespace: Type.String(), name: Type.String(), uid: Type.String(), ips: Type.Array(Type.String()), phase: Type.String(),
  veth: Opt(Type.String()), mtu: Opt(Int()), state: Opt(Type.String()), method: Opt(Lit('route', 'neighbour+fdb', 'netns-peer', 'none')),
  unmapped: Opt(Type.String({ description: 'why no veth was mapped' })),
});

const IfaceRates = Obj({
  rxBps: Type.Number({ minimum: 0 }), txBps: Type.Number({ minimum: 0 }), rxPps: Type.Number({ minimum: 0 }), txPps: Type.Number({ minimum: 0 }),
  dropsPerSec: Type.Number({ minimum: 0, description: 'rx+tx dropped per second' }), errorsPerSec: Type.Number({ minimum: 0, description: 'rx+tx errors per second' }),
});
export const NodeRates = Obj(
  {
    ifaces: Type.Record(Type.String(), IfaceRates),
    conntrackDropsPerSec: Opt(Type.Number({ minimum: 0, description: 'conntrack drop + early_drop per second' })),
    conntrackInsertFailedPerSec: Opt(Type.Number({ minimum: 0 })),
    conntrackGrowthPerSec: Opt(Type.Number({ description: 'conntrack entries per second (may be negative)' })),
    tcpAttemptFailsPerSec: Opt(Type.Number({ minimum: 0 })),
    tcpResetsPerSec: Opt(Type.Number({ minimum: 0 })),
    tcpRetransPerSec: Opt(Type.Number({ minimum: 0 })),
  },
  'per second, between the last two samples (--once --window)',
);
export const StaleCheck = Obj(
  {
    status: Lit('ok', 'cannot-tell'),
    at: Type.Number({ description: 'local time (ms since 1970) the check finished' }),
    reason: Opt(Type.String({ description: 'why it cannot tell (collection failed, no runtime, no API)' })),
    procs: Type.Array(
      Obj({
        pid: Int(), comm: Type.String(), proto: Lit('tcp', 'udp'), port: Int(), namespace: Type.String(), pod: Type.String(),
        why: Lit('crashloop', 'not-ready'), container: Type.String(),
      }),
    ),
  },
  "stale processes holding a listening port of a pod whose container crash-loops or is not ready",
);

export const NodeReport = Obj({
  node: Type.String(),
  address: Opt(Type.String()),
  status: Lit('connecting', 'live', 'stale', 'reconnecting', 'failed'),
  error: Opt(Type.String()),
  sampledAt: Opt(Type.String({ format: 'date-time' })),
  latencyMs: Opt(Type.Number({ minimum: 0 })),
  primaryInterface: Opt(Obj({ name: Type.String(), via: Lit('default4', 'default6', 'address', 'device') })),
  addresses: Type.Array(Obj({ dev: Type.String(), address: Type.String() }), { description: "the node's own addresses by device (route sources)" }),
  collectors: Obj(Object.fromEntries(COLLECTORS.map((c) => [c, CollectorReport]))),
  conntrack: Opt(Collected(Conntrack)),
  interfaces: Opt(Collected(Type.Array(Iface))),
  tcpCounters: Opt(Collected(TcpCounters)),
  tcpStates: Opt(Collected(Type.Record(Type.String(), Int(), { description: 'sockets per TCP state' }))),
  routes: Opt(Collected(Type.Array(Route))),
  neighbours: Opt(Collected(Type.Array(Neighbour))),
  fdb: Opt(Collected(Type.Array(FdbEntry))),
  facts: Opt(Collected(NodeFacts)),
  iptables: Opt(Collected(IptablesState)),
  ipvs: Opt(Collected(IpvsState)),
  agents: Opt(Collected(Type.Array(AgentProc))),
  hairpin: Opt(Collected(Type.Array(HairpinConn))),
  kernelTableFull: Obj({ sinceStart: Int(), lastText: Opt(Type.String()), lastAt: Opt(Type.Number()), recent: Type.Array(KernelEvent) }),
  pods: Opt(Obj({ status: KubeStatus, items: Type.Array(PodItem), strayVeths: Type.Array(Type.String()) })),
  rates: Opt(NodeRates),
  stale: Opt(StaleCheck),
  problems: Type.Array(Problem),
  checks: Type.Array(
    Obj({
      id: Type.String({ description: 'the check (= problem code), as in docs/checks.md' }),
      verdict: Lit('ok', 'flagged', 'n/a', 'cannot-tell'),
      reason: Opt(Type.String({ description: 'flagged: the messages; n/a and cannot-tell: why' })),
    }),
    { description: 'every check of the catalogue on this node' },
  ),
  processes: Opt(Type.Unknown({ description: 'with --processes: the stale-process view of the node, or {error} (not described here)' })),
});

const FactValue = Type.Union([Type.String(), Type.Number()], { description: 'a string, or a number for counts, MTU and nf_conntrack_max' });
export const Difference = Obj(
  {
    pool: Type.Union([Type.String(), Type.Null()], { description: 'the node pool; null: the nodes without a pool label (all nodes shown when none has one)' }),
    fact: Type.String({ description: 'sysctl:KEY, kernel, os, mtu:primary, hairpin, conntrack-max, iptables-backend, kube-svc-chains, kube-sep-chains, nat-rules, agents' }),
    label: Type.String(),
    numeric: Type.Boolean({ description: 'a rule count: the majority value is the median and its count the nodes within 10% of it' }),
    nodes: Int('nodes of the pool that have the fact'),
    majority: Obj({ value: FactValue, count: Int() }),
    outliers: Type.Array(Obj({ node: Type.String(), value: FactValue })),
  },
  'a fact most nodes of a pool agree on (at least 2/3 of at least 3 that have it) and a few do not; each outlier also has a pool-outlier problem',
);

/** a mark (`m` in the live view): when, the note, who */
export const MarkReport = Obj(
  {
    at: Type.String({ format: 'date-time' }),
    note: Type.String({ maxLength: 200, description: 'one line, no control characters (the store cleans it); may be empty' }),
    by: Opt(Type.String({ description: 'who marked it (user name), when known' })),
    id: Type.String(),
  },
  'a moment marked during the session with a short note',
);

/** the whole document */
export function onceJsonSchema() {
  return Obj(
    {
      version: Type.Literal(1),
      takenAt: Type.String({ format: 'date-time' }),
      kube: KubeStatus,
      nodes: Type.Array(NodeReport),
      differences: Type.Array(Difference, { description: 'the pool outlier diff' }),
      marks: Type.Array(MarkReport, { description: 'the marks of the session, oldest first (none for a plain --once)' }),
      windowSec: Opt(Type.Number({ minimum: 0, maximum: 60, description: '--window: seconds between the two samples rates come from (0: one sample, no rates)' })),
      local: Opt(
        Obj(
          { root: Type.Boolean(), needsRoot: Type.Array(Obj({ what: Type.String(), path: Type.String(), code: Type.String() })) },
          'watching this machine without SSH: whether netwatch ran as root, and what needs root',
        ),
      ),
    },
    'netwatch --once --json: one sample of every node (exit status: docs/config.md, netwatch --help)',
  );
}

/** as published: JSON Schema draft 2020-12 with an id (TypeBox's symbols dropped by JSON) */
export function publishedSchema(schema: TSchema, id: string, title: string): Record<string, unknown> {
  return { $schema: 'https://json-schema.org/draft/2020-12/schema', $id: id, title, ...JSON.parse(JSON.stringify(schema)) };
}
