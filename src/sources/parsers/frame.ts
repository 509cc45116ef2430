/**
 * Splitting one sampler frame (see ../remote/sampler.sh) into sections, and the per-tick "grep"
 * section (.PATH:LINE, the dot stripped) into its files. Pure.
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

/**
 * Lines between "@@NW B SEQ" and "@@NW E SEQ" (both excluded). A content line starts with "."
 * (dropped here); a marker starts with "@@"; the node's awk prints nothing else, so a line that
 * is neither is ignored. No content can be read as a marker, whatever bytes it holds.
 */
export function parseFrame(seq: number, body: readonly string[]): Frame {
  const sections = new Map<string, Section>();
  let current: Section | undefined;
  for (const line of body) {
    if (line.charCodeAt(0) === 0x2e /* . */) {
      current?.lines.push(line.slice(1));
      continue;
    }
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
      current = { lines: [] };
      sections.set(name, current);
    }
  }
  return { seq, sections };
}

/**
 * Splits the "grep" section (the files awk read on every tick) back into files: every line is
 * "PATH:CONTENT" (the paths are /proc and /sys/class/net/NAME/... and a name never contains ':'), so each line is attributed to its file whatever exists on the node.
 */
export function splitGrepBundle(section: Section): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const line of section.lines) {
    const c = line.indexOf(':');
    if (c <= 0) continue;
    const path = line.slice(0, c);
    let lines = out.get(path);
    if (!lines) out.set(path, (lines = []));
    lines.push(line.slice(c + 1));
  }
  return out;
}
