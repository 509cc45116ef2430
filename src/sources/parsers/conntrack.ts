/** Conntrack: /proc/net/stat/nf_conntrack (any kernel's column set) and `conntrack -S`. Pure. */
import type { ConntrackStats } from '../types.js';

const FIELDS: Record<string, keyof ConntrackStats> = {
  found: 'found',
  invalid: 'invalid',
  insert: 'insert',
  insert_failed: 'insertFailed',
  drop: 'drop',
  early_drop: 'earlyDrop',
  error: 'error',
  icmp_error: 'error',
  search_restart: 'searchRestart',
};

function empty(): ConntrackStats {
  return { found: 0, invalid: 0, insert: 0, insertFailed: 0, drop: 0, earlyDrop: 0, error: 0, searchRestart: 0 };
}

/**
 * /proc/net/stat/nf_conntrack: a header naming the columns, then one row of hex per CPU. Old
 * kernels (< 4.x/5.x) have 17 columns (with `searched`, `delete_list`), newer ones 16 or 17
 * (with `clashres`); columns are found by name, so every variant parses. Rows are summed.
 */
export function parseConntrackStat(lines: readonly string[]): ConntrackStats {
  const [header, ...rows] = lines;
  if (!header || !header.trim().startsWith('entries')) throw new Error('no nf_conntrack stat header');
  const cols = header.trim().split(/\s+/);
  const out = empty();
  for (const row of rows) {
    const vals = row.trim().split(/\s+/);
    if (vals.length !== cols.length) continue;
    cols.forEach((c, i) => {
      const key = FIELDS[c];
      if (key) out[key] += parseInt(vals[i]!, 16);
    });
  }
  return out;
}

/** `conntrack -S`: "cpu=0 found=0 invalid=12 insert=0 insert_failed=0 drop=0 ..." per CPU. */
export function parseConntrackS(lines: readonly string[]): ConntrackStats {
  const out = empty();
  let seen = false;
  for (const line of lines) {
    for (const m of line.matchAll(/([a-z_]+)=(\d+)/g)) {
      const key = FIELDS[m[1]!];
      if (key) {
        out[key] += Number(m[2]);
        seen = true;
      }
    }
  }
  if (!seen) throw new Error('no counters in conntrack -S output');
  return out;
}

/** "COUNT MAX" or the two one-line files */
export function parseCountMax(count: string | undefined, max: string | undefined): { count: number; max: number } {
  const c = Number(count?.trim());
  const m = Number(max?.trim());
  if (!Number.isFinite(c) || !Number.isFinite(m) || count === undefined || max === undefined) {
    throw new Error('unreadable nf_conntrack_count/max');
  }
  return { count: c, max: m };
}
