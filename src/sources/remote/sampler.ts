/**
 * The sampler: one long-lived POSIX sh script per node (guard.sh + sampler.sh), on one exec
 * channel. netwatch writes one request line per tick ("SEQ FLAGS"); the node answers with one
 * frame and waits for the next line. No request, no work: the node spends CPU only when netwatch
 * asks, and the guard (guard.ts) ends the script when the channel closes or requests stop coming.
 *
 * After a short start (the kernel-log reader in the background) the script execs one long-lived
 * awk: the tick loop. awk reads the per-tick files itself with getline (no fork per tick) and
 * prints them as ".PATH:LINE"; the FLAGS of a request ask for the slower sections, which awk runs
 * as shell snippets from its environment (one sh per section, only on those ticks). Which file
 * or command is read at which rate is in sampler.sh's own header and in docs/decisions.md
 * ("Cheap every tick, slower for the rest"); the cost is measured in bench/.
 *
 * Frame (unambiguous for any byte a name or a command's output holds):
 *   @@NW B SEQ
 *   @@ SECTION            then the section's lines, each prefixed with "." (file contents as
 *                         ".PATH:LINE", command output as ".LINE")
 *   @@ SECTION !REASON    the section has no data or failed (notool, exit N), after its lines
 *   @@NW E SEQ
 * A marker starts with "@@", content with ".": no content line can be a marker. Between the
 * shell snippets and awk each section is length-prefixed ("@@ LEN NAME"), so awk never takes
 * output for a header. Lines are bytes, decoded losslessly by ../parsers/bytes.ts.
 * Kernel log lines about conntrack arrive on stderr as "K <raw /dev/kmsg record>".
 * Parsing happens in TypeScript (../parsers/frame.ts and the per-section parsers).
 *
 * Arguments: $1 = idle seconds before the guard gives up, $2 = max lifetime seconds. The process
 * tag (kind 'sampler' of tags.ts) stays in awk's command line (`-v nwtag=TAG`), where the
 * reconnect sweep finds it.
 */
import { GUARD_SH } from './guard.js';
import { loadScript } from './load.js';

/** POSIX single quoting of one of our own constant scripts (never of a value from anywhere) */
const quoted = (text: string) => `'${text.replace(/'/g, `'\\''`)}'`;

/** the slow collectors (slow.sh) travel in the sampler's environment as NW_X, run on "x" requests */
export const SLOW_SH = loadScript('slow.sh');
export const SAMPLER_SH = GUARD_SH + `NW_X=${quoted(SLOW_SH)}\n` + loadScript('sampler.sh');
