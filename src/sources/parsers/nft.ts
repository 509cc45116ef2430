/**
 * nftables: `nft list ruleset` text (as remote/slow.sh ships it: comment lines, "# handle N" and
 * counter values stripped, the node's hash in front). Tables, their chains (hook, policy, rules
 * as printed, one string per rule), sets and maps (with their elements), and kube-proxy's
 * nftables-mode table (`table ip kube-proxy`, Kubernetes ≥ 1.29) picked out. Pure.
 */
import type { NftChain, NftRuleset, NftSet, NftTable } from '../types.js';

/** braces opened minus closed, outside "…" strings */
function braceDelta(s: string): number {
  let d = 0;
  let q = false;
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (c === '\\' && q) i++;
    else if (c === '"') q = !q;
    else if (!q && c === '{') d++;
    else if (!q && c === '}') d--;
  }
  return d;
}

/** a name as nft prints it: bare, or "quoted" when it has odd characters */
const unquote = (s: string) => (s.length >= 2 && s.startsWith('"') && s.endsWith('"') ? s.slice(1, -1) : s);

/** the text of a line without a trailing "# handle N" (nft -a) */
const clean = (raw: string) => raw.replace(/\s+# handle \d+\s*$/, '').trim();

/** "a, b : goto x, c" -> ["a", "b : goto x", "c"]: commas outside braces and strings */
function splitTop(s: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let q = false;
  let cur = '';
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    if (c === '"') q = !q;
    if (!q && c === '{') depth++;
    if (!q && c === '}') depth--;
    if (!q && depth === 0 && c === ',') {
      if (cur.trim()) out.push(cur.trim());
      cur = '';
    } else cur += c;
  }
  if (cur.trim()) out.push(cur.trim());
  return out;
}

/** "type nat hook prerouting priority dstnat; policy accept;" */
function chainHead(line: string, c: NftChain): boolean {
  if (!/^type \S+ hook /.test(line)) return false;
  const m = /^type (\S+) hook (\S+)(?: device \S+)? priority ([^;]+);(?:\s*policy (\w+);)?/.exec(line);
  if (m) {
    c.type = m[1];
    c.hook = m[2];
    c.priority = m[3]!.trim();
    if (m[4]) c.policy = m[4];
  }
  return true;
}

export function parseNftRuleset(lines: readonly string[], hash = ''): NftRuleset {
  const tables: Record<string, NftTable> = {};
  let ruleCount = 0;
  let table: NftTable | undefined;
  let chain: NftChain | undefined;
  let set: NftSet | undefined;
  /** inside an object netwatch does not read (flowtable, counter, quota, ct helper …): braces still open */
  let skip = 0;
  /** a statement spread over lines (elements = { …,\n … }): the text so far and its open braces */
  let pending = '';
  let open = 0;
  const statement = (line: string) => {
    if (chain) {
      if (chainHead(line, chain)) return;
      if (!chain.rules.length && /^comment "/.test(line)) {
        chain.comment = unquote(line.slice(8));
        return;
      }
      chain.rules.push(line);
      ruleCount++;
    } else if (set) {
      const el = /^elements = \{(.*)\}$/.exec(line);
      if (el) set.elements.push(...splitTop(el[1]!));
      else if (line.startsWith('type ')) set.type = line.slice(5);
      else if (line.startsWith('flags ')) set.flags = line.slice(6);
    } else if (table && /^comment "/.test(line)) table.comment = unquote(line.slice(8));
  };
  for (const raw of lines) {
    if (/^\s*#/.test(raw)) continue;
    const line = clean(raw);
    if (!line) continue;
    if (skip > 0) {
      skip += braceDelta(line);
      continue;
    }
    if (pending) {
      pending += ' ' + line;
      open += braceDelta(line);
      if (open <= 0) {
        statement(pending);
        pending = '';
        open = 0;
      }
      continue;
    }
    if (line === '}') {
      if (chain) chain = undefined;
      else if (set) set = undefined;
      else table = undefined;
      continue;
    }
    if (!table) {
      const t = /^table (\S+) (\S+) \{$/.exec(line);
      if (t) {
        const key = `${t[1]} ${unquote(t[2]!)}`;
        table = tables[key] ??= { family: t[1]!, name: unquote(t[2]!), chains: {}, sets: {} };
      }
      continue;
    }
    if (!chain && !set) {
      const o = /^(chain|set|map) (.+) \{$/.exec(line);
      if (o) {
        const name = unquote(o[2]!);
        if (o[1] === 'chain') chain = table.chains[name] ??= { rules: [] };
        else set = table.sets[name] ??= { kind: o[1] as 'set' | 'map', elements: [] };
        continue;
      }
      if (/\{$/.test(line)) {
        skip = braceDelta(line);
        continue;
      }
    }
    const d = braceDelta(line);
    if (d > 0) {
      pending = line;
      open = d;
      continue;
    }
    statement(line);
  }
  return { hash, tables, ruleCount };
}

/** the rules per chain of a table ("ip kube-proxy"), for counts and diffs */
export function nftRuleCounts(t: NftTable): Record<string, number> {
  return Object.fromEntries(Object.entries(t.chains).map(([n, c]) => [n, c.rules.length]));
}

export interface KubeProxyNft {
  /** "ip kube-proxy" / "ip6 kube-proxy" */
  table: string;
  /** the dispatch chain (`services`) exists and something jumps to it from a hooked chain */
  servicesHooked: boolean;
  hasServices: boolean;
  /** service-HASH-NS/NAME/PROTO/PORT chains */
  serviceChains: string[];
  /** endpoint-HASH-NS/NAME/PROTO/PORT__IP/PORT chains */
  endpointChains: string[];
  /** the service-ips map's elements: "VIP . PROTO . PORT : goto service-…" */
  serviceIps: string[];
}

/** kube-proxy's nftables-mode tables in a rule set (none: not in nftables mode, or not running) */
export function kubeProxyNft(rs: NftRuleset): KubeProxyNft[] {
  const out: KubeProxyNft[] = [];
  for (const [key, t] of Object.entries(rs.tables)) {
    if (t.name !== 'kube-proxy' || (t.family !== 'ip' && t.family !== 'ip6')) continue;
    const names = Object.keys(t.chains);
    const hasServices = !!t.chains.services;
    const servicesHooked =
      hasServices && Object.values(t.chains).some((c) => c.hook && c.rules.some((r) => /(^|\s)(jump|goto) services$/.test(r)));
    out.push({
      table: key,
      hasServices,
      servicesHooked,
      serviceChains: names.filter((n) => /^service-[A-Z0-9]{8}-/.test(n)),
      endpointChains: names.filter((n) => /^endpoint-[A-Z0-9]{8}-/.test(n)),
      serviceIps: t.sets['service-ips']?.elements ?? [],
    });
  }
  return out;
}
