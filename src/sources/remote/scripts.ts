/**
 * Every script netwatch runs on a node, as the constant text it sends (`sh -c SCRIPT TAG ARGS`).
 * Each is one or more .sh files of this folder (load.ts); values always go as positional
 * arguments, never pasted. What each script does and its arguments are in its own header.
 *
 *   SAMPLER_SH  guard + sampler.sh   (./sampler.ts)      the long-lived per-node sampler
 *   CAPTURE_SH  guard + ownssh + capture.sh              one tcpdump capture
 *   CHECK_SH    guard + ownssh + check.sh                a filter check (tcpdump -d)
 *   SWEEP_SH    sweep.sh                                 the reconnect sweep (./sweep.ts)
 *   PODPEER_SH  podpeer.sh                               pods' eth0 peer index
 *   COLLECT_SH  guard + collect.sh                       the stale-process view's reader
 *   KILL_SH     kill.sh                                  kill one process, checked by start time
 *   OWNSSH_SH   ownssh.sh                                functions only (tests source it)
 *   LOGIN_SH    login.sh                                 once per connection: uid, node-side address
 *   SUDO_CHECK_SH sudo-check.sh                          once per non-root connection, via sudo -n
 */
import { GUARD_SH } from './guard.js';
import { loadScript } from './load.js';

export { SAMPLER_SH } from './sampler.js';
export const OWNSSH_SH = loadScript('ownssh.sh');
export const CAPTURE_SH = GUARD_SH + OWNSSH_SH + loadScript('capture.sh');
export const CHECK_SH = GUARD_SH + OWNSSH_SH + loadScript('check.sh');
export const SWEEP_SH = loadScript('sweep.sh');
export const PODPEER_SH = loadScript('podpeer.sh');
export const COLLECT_SH = GUARD_SH + loadScript('collect.sh');
export const KILL_SH = loadScript('kill.sh');
export const LOGIN_SH = loadScript('login.sh');
export const SUDO_CHECK_SH = loadScript('sudo-check.sh');
