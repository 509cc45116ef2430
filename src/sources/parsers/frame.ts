/**
 * Splitting one sampler frame (see ../remote/sampler.sh) into sections, and the "cat" bundle
 * section into its files. Pure.
 */

export interface Section {
  lines: string[];
  /** set when the node reported no data: "nofile PATH", "notool ip", "exit 1" */
  missing?: string;
}

export interface Frame {
  seq: number;
  sections: Map<string, Section>;
}

/** lines between "@@NW B SEQ" and "@@NW E SEQ" (both excluded) */
export function parseFrame(seq: number, body: readonly string[]): Frame {
  const sections = new Map<string, Section>();
  let current: Section | undefined;
  for (const line of body) {
    if (line.startsWith('@@ ')) {
      const rest = line.slice(3);
      const sp = rest.indexOf(' ');
      const name = sp < 0 ? rest : rest.slice(0, sp);
      const arg = sp < 0 ? '' : rest.slice(sp + 1);
      if (arg.startsWith('!')) {
        const prev = sections.get(name);
        // "@@ route4 !exit 2" after output: keep the output, note the failure
        if (prev) prev.missing = arg.slice(1);
        else sections.set(name, { lines: [], missing: arg.slice(1) });
        current = undefined;
        continue;
      }
      current = { lines: arg ? [arg] : [] };
      if (name === 'cat') current = { lines: [`#files ${arg}`] };
      sections.set(name, current);
      continue;
    }
    current?.lines.push(line);
  }
  return { seq, sections };
}

/** first-line recognisers for the files the sampler bundles into one `cat` */
const FIRST_LINE: Record<string, (l: string) => boolean> = {
  '/proc/net/stat/nf_conntrack': (l) => l.startsWith('entries'),
  '/proc/net/dev': (l) => l.startsWith('Inter-|'),
  '/proc/net/snmp': (l) => l.startsWith('Ip: '),
  '/proc/net/sockstat': (l) => l.startsWith('sockets:'),
};
const ONE_LINE = new Set([
  '/proc/uptime',
  '/proc/sys/net/netfilter/nf_conntrack_count',
  '/proc/sys/net/netfilter/nf_conntrack_max',
]);

/** Splits the `cat` section back into files, by the file list the sampler printed first. */
export function splitCatBundle(section: Section): Map<string, string[]> {
  const out = new Map<string, string[]>();
  const [head, ...lines] = section.lines;
  const files = (head ?? '').replace(/^#files /, '').split(' ').filter(Boolean);
  let i = 0;
  files.forEach((file, fi) => {
    if (ONE_LINE.has(file)) {
      out.set(file, lines.slice(i, i + 1));
      i += 1;
      return;
    }
    const next = files[fi + 1];
    const isNext = next ? FIRST_LINE[next] : undefined;
    const start = i;
    i++; // the file's own first line
    while (i < lines.length && !(isNext && isNext(lines[i]!))) i++;
    out.set(file, lines.slice(start, i));
  });
  return out;
}
