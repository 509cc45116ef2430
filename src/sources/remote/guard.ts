/**
 * The guard every long-running remote script starts with. It is what makes "nothing netwatch
 * starts on a node outlives netwatch" true on the node's side, whatever happens to netwatch:
 *
 * - netwatch exits or is killed (even SIGKILL): the TCP connection closes, sshd closes the
 *   channel, the script's stdin reaches EOF, its read loop ends, and the EXIT trap kills the
 *   script's whole process group (tcpdump, background readers, the watchdog).
 * - the network drops: sshd notices nothing for hours. netwatch writes to the script's stdin at
 *   least every few seconds (a tick or a heartbeat line); the watchdog reads the reading shell's
 *   `rchar` from /proc/PID/io (bytes read by the process, no fork needed) and when it has not
 *   moved for IDLE seconds it kills the group.
 * - the main process is gone (a script may `exec` a program that then exits): within a second
 *   the watchdog kills what is left of the group.
 * - anything else: a hard lifetime cap (MAXLIFE seconds) kills the group.
 *
 * Scripts run as the session/group leader (sshd setsid()s the session, LocalTransport spawns
 * detached), so `kill 0` reaches exactly what the script started.
 *
 * Usage inside a script (POSIX sh; only builtins and `sleep`):
 *   nw_guard IDLE_SECONDS MAXLIFE_SECONDS     # after defining nothing else; sets traps
 */
import { loadScript } from './load.js';

export const GUARD_SH = loadScript('guard.sh');
