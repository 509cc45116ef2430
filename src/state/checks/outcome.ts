/** What one node rule says: its problems (none = healthy), or that it does not apply, or cannot tell. Pure. */
import type { CollectorName } from '../model.js';
import type { NodeState, Problem } from '../types.js';

export type Outcome = Problem[] | { na: string } | { cannot: string };

export const isSkip = (o: Outcome): o is { na: string } | { cannot: string } => !Array.isArray(o);

/** a node rule: one check of the catalogue */
export interface NodeRule {
  id: string;
  run(node: NodeState): Outcome;
}

/** why a collector has no value to judge on, or undefined when it has one */
export function missing(node: NodeState, c: CollectorName): string | undefined {
  const col = node.model[c];
  if (col.value !== undefined) return undefined;
  if (col.status === 'pending') return `${c} not read yet`;
  if (col.status === 'nodata') return `${c}: ${col.text ?? 'no data on the node'}`;
  if (col.status === 'error') return `${c} failed: ${col.text ?? 'error'}`;
  return `${c}: no value`;
}

/* ---------- IPv4 CIDRs ---------- */

export interface Cidr4 {
  net: number;
  bits: number;
}

export function parseIp4(s: string): number | undefined {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(s);
  if (!m) return undefined;
  const o = m.slice(1, 5).map(Number);
  if (o.some((x) => x > 255)) return undefined;
  return ((o[0]! << 24) >>> 0) + (o[1]! << 16) + (o[2]! << 8) + o[3]!;
}

/** "10.0.0.0/24", "10.0.0.5" (= /32); undefined for IPv6 or garbage */
export function parseCidr4(s: string): Cidr4 | undefined {
  const [ip, b] = s.split('/');
  const addr = parseIp4(ip ?? '');
  const bits = b === undefined ? 32 : Number(b);
  if (addr === undefined || !Number.isInteger(bits) || bits < 0 || bits > 32) return undefined;
  return { net: (addr & mask(bits)) >>> 0, bits };
}

const mask = (bits: number) => (bits === 0 ? 0 : (~0 << (32 - bits)) >>> 0);

/** a contains b (a's prefix is no longer than b's and b lies in a) */
export function cidrContains(a: Cidr4, b: Cidr4): boolean {
  return a.bits <= b.bits && ((b.net & mask(a.bits)) >>> 0) === a.net;
}

export const cidrText = (c: Cidr4) => `${[24, 16, 8, 0].map((s) => (c.net >>> s) & 255).join('.')}/${c.bits}`;
