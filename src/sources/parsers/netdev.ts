/**
 * /proc/net/dev: per-interface counters, "  NAME: 16 numbers" after two header lines (which hold
 * no ':'). A name may hold any byte but NUL, '/', ':' and ASCII blanks ('|' too): only the
 * kernel's padding spaces are stripped. Pure.
 */
import type { IfaceCounters } from '../types.js';

export function parseNetDev(lines: readonly string[]): Map<string, IfaceCounters> {
  const out = new Map<string, IfaceCounters>();
  for (const line of lines) {
    const colon = line.indexOf(':');
    if (colon < 0) continue;
    const name = line.slice(0, colon).replace(/^ +/, '');
    if (!name) continue;
    const v = line.slice(colon + 1).trim().split(/\s+/).map(Number);
    if (v.length < 16 || v.some((n) => !Number.isFinite(n))) continue;
    out.set(name, {
      rxBytes: v[0]!,
      rxPackets: v[1]!,
      rxErrors: v[2]!,
      rxDropped: v[3]!,
      txBytes: v[8]!,
      txPackets: v[9]!,
      txErrors: v[10]!,
      txDropped: v[11]!,
    });
  }
  return out;
}
