/** What netwatch has running on a lab node, seen from inside the node. */
import type { Lab } from '../lab/lab.js';

/**
 * Pids of processes whose command line carries a netwatch process tag ("nw-<kind>-<instance>")
 * and tcpdumps. The pattern is built inside the shell so this probe never matches itself.
 */
export async function netwatchProcs(lab: Lab, node: string): Promise<string[]> {
  const r = await lab.exec(node, [
    'sh',
    '-c',
    'p=$(printf "n%s" "w-"); for f in /proc/[0-9]*/cmdline; do case "$(tr "\\0\\n" "  " < "$f" 2>/dev/null)" in *"$p"[a-z]*-[0-9a-f]*|tcpdump*) d=${f%/cmdline}; echo "${d#/proc/} $(tr "\\0\\n" "  " < "$f" | cut -c1-60)";; esac; done',
  ]);
  return r.stdout.split('\n').filter((l) => l.trim() && !l.includes('tr \\0'));
}
