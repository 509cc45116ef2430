/** Routes, neighbours and the bridge forwarding table from iproute2's text output. Pure. */
import type { FdbEntry, Neighbour, Route } from '../types.js';

/** ASCII blanks only: a name may hold U+00A0 and the other Unicode spaces that \s matches */
const BLANKS = /[ \t\r\f\v]+/;

function kv(words: string[], key: string): string | undefined {
  const i = words.indexOf(key);
  return i >= 0 ? words[i + 1] : undefined;
}

/** `ip -4 route show table main` / `ip -6 route show table main` */
export function parseRoutes(lines: readonly string[], family: 4 | 6): Route[] {
  const out: Route[] = [];
  for (const line of lines) {
    const w = line.split(BLANKS).filter(Boolean);
    if (!w[0]) continue;
    // route types that prefix the destination: unreachable, blackhole, prohibit, local, broadcast
    let dst = w[0];
    if (['unreachable', 'blackhole', 'prohibit', 'throw', 'local', 'broadcast', 'multicast'].includes(dst)) dst = w[1] ?? dst;
    out.push({
      dst,
      gateway: kv(w, 'via'),
      dev: kv(w, 'dev'),
      proto: kv(w, 'proto'),
      scope: kv(w, 'scope'),
      src: kv(w, 'src'),
      family,
    });
  }
  return out;
}

const NUD = new Set(['REACHABLE', 'STALE', 'DELAY', 'PROBE', 'INCOMPLETE', 'FAILED', 'PERMANENT', 'NOARP', 'NONE']);

/** `ip neigh show`: "198.19.1.2 dev cbr0 lladdr aa:.. REACHABLE", "... router STALE", "x dev y FAILED" */
export function parseNeighbours(lines: readonly string[]): Neighbour[] {
  const out: Neighbour[] = [];
  for (const line of lines) {
    const w = line.split(BLANKS).filter(Boolean);
    if (w.length < 3) continue;
    const dev = kv(w, 'dev');
    if (!dev) continue;
    const states = w.filter((x) => NUD.has(x));
    out.push({
      ip: w[0]!,
      dev,
      mac: kv(w, 'lladdr'),
      state: states.length ? states.join('|') : 'NONE',
      router: w.includes('router') || undefined,
    });
  }
  return out;
}

/** `bridge fdb show`: "MAC dev PORT [vlan N] [master BR] [permanent|static] [self]" */
export function parseFdb(lines: readonly string[]): FdbEntry[] {
  const out: FdbEntry[] = [];
  for (const line of lines) {
    const w = line.split(BLANKS).filter(Boolean);
    const dev = kv(w, 'dev');
    if (!w[0] || !dev || !/^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/i.test(w[0])) continue;
    const vlan = kv(w, 'vlan');
    out.push({
      mac: w[0].toLowerCase(),
      dev,
      master: kv(w, 'master'),
      vlan: vlan ? Number(vlan) : undefined,
      permanent: w.includes('permanent') || w.includes('static'),
      self: w.includes('self'),
    });
  }
  return out;
}
