/**
 * The remote side of the stale-process view: two POSIX sh scripts in ../remote/ (collect.sh,
 * kill.sh), tagged on the node as kinds 'collect' and 'kill' of ../remote/tags.ts.
 *
 * collect.sh (run as root, no arguments) reads the processes of every network namespace other
 * than the script's own (the node's: host-network pods live there and are not pod namespaces),
 * their sockets and listening sockets, and the runtime's container list. A fixed number of forks
 * whatever the number of processes; measured in bench/processes.mjs. Output, parsed by
 * parse.ts: sections started by lines beginning with `@@`:
 *   @@nw-processes 1          format version
 *   @@uptime SECONDS          /proc/uptime
 *   @@clk TICKS               getconf CLK_TCK (start times are in these ticks since boot)
 *   @@self PID                the script's own pid; @@selfns net:[INODE] its netns
 *   @@netns                   "PID net:[INODE]" per process whose netns link is readable
 *   @@files                   `grep -aH ''` of PID/stat, PID/cmdline, PID/cgroup of the
 *                             processes outside the node's netns, and PID/stat of processes
 *                             without a readable netns link (zombies)
 *   @@fds                     `ls -ln PID/fd ...` directory headers and socket:[INODE] lines
 *   @@reps PID...             the representative pid of each of those netns
 *   @@listen                  `grep -H` LISTEN rows of REP/net/{tcp,udp,tcp6,udp6}, one
 *                             representative pid per netns
 *   @@runtime NAME ... @@rc N raw output of a runtime CLI (crictl-ps, crictl-pods, docker)
 *   @@absent NAME             that CLI is not installed
 *   @@times                   the shell's `times`: own and children's user/system CPU
 *   @@end
 *
 * kill.sh (run as root): $1 = pid, $2 = expected start time (clock ticks since boot, field 22 of
 * /proc/PID/stat), $3 = grace period in tenths of a second. Prints one line:
 *   refused mismatch ACTUAL | gone | terminated | killed | alive STATE | error TEXT
 */
export { COLLECT_SH, KILL_SH } from '../remote/scripts.js';

/** The guard in collect.sh ends it after this many seconds whatever happens. */
export const COLLECT_CAP_S = 20;

