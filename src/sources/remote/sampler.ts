/**
 * The sampler: one long-lived POSIX sh script per node, on one exec channel. netwatch writes one
 * request line per tick ("SEQ FLAGS"); the script answers with one frame and waits for the next
 * line. No ticks, no work: the node only spends CPU when netwatch asks, and the guard (guard.ts)
 * ends the script when the channel closes or ticks stop coming.
 *
 * Cost matters (target <= 3 ms CPU per sample with 50 interfaces): every-tick reads use shell
 * builtins only (`read` from files, `printf`), never a fork. Forks (ip, bridge, awk) happen only
 * on "medium" ticks (FLAGS contains m, every few seconds) and "slow" ticks (s, once a minute).
 *
 * Frame:
 *   @@NW B SEQ
 *   @@ SECTION            then the section's raw lines (file contents or command output)
 *   @@ SECTION !REASON    the section has no data (nofile, notool, or an error text)
 *   @@NW E SEQ
 * Kernel log lines about conntrack arrive on stderr as "K <raw /dev/kmsg record>".
 * Parsing happens in TypeScript (../parsers/frame.ts and the per-section parsers).
 *
 * Arguments: $1 = idle seconds before the guard gives up, $2 = max lifetime seconds.
 */
import { GUARD_SH } from './guard.js';
import { loadScript } from './load.js';

export const SAMPLER_SH = GUARD_SH + loadScript('sampler.sh');
