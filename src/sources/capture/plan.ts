/**
 * What a capture will do, said before it starts (the prompt, `netwatch capture`), and what it
 * did once the node has said (the applied filter). Pure.
 */
import { CAPTURE_DEFAULTS, type OwnSsh, type OwnSshMode } from './script.js';
import { LocalTransport } from '../transport/local.js';
import type { Transport } from '../transport/types.js';

export interface CapturePlan {
  node: string;
  iface: string;
  /** the user's filter; '' or absent: everything */
  filter?: string;
  /** bytes kept per packet; 0: whole packets; absent: the default */
  snaplen?: number;
  /** how the node finds netwatch's own SSH connection (ownSshMode of the node's transport) */
  ownSsh: OwnSshMode;
}

export interface CapturePlanText {
  /** "n1:eth0" */
  where: string;
  /** "filter: tcp port 443" or "everything (no filter)" */
  what: string;
  /** the own-SSH exclusion, as the node will apply it */
  exclusion: string;
  /** "128 bytes per packet" or "whole packets" */
  snap: string;
  /** all of it in one line */
  line: string;
}

/** how a capture over this transport finds netwatch's own SSH connection on the node */
export function ownSshMode(t: Transport): OwnSshMode {
  return t instanceof LocalTransport ? 'ifset' : 'require';
}

export function snapText(snaplen: number): string {
  return snaplen === 0 ? 'whole packets' : `${snaplen} bytes per packet`;
}

export function describeCapturePlan(p: CapturePlan): CapturePlanText {
  const where = `${p.node}:${p.iface}`;
  const filter = (p.filter ?? '').trim();
  const what = filter ? `filter: ${filter}` : 'everything (no filter)';
  const exclusion =
    p.ownSsh === 'require'
      ? "not netwatch's own SSH connection (found on the node at start; no start without it)"
      : "not this terminal's SSH session, if it has one (found on the node at start)";
  const snap = snapText(p.snaplen ?? CAPTURE_DEFAULTS.snaplen);
  return { where, what, exclusion, snap, line: `capture on ${where}: ${what}, ${exclusion}; ${snap}` };
}

/** the node's own words about what it applied: "excluding own SSH 198.18.0.1:4242 > 198.18.0.11:22" */
export function describeOwnSsh(o: OwnSsh | undefined): string {
  if (!o) return 'no SSH session to exclude';
  const ep = (a: string, port: number) => (a.includes(':') ? `[${a}]:${port}` : `${a}:${port}`);
  return `excluding own SSH ${ep(o.client, o.clientPort)} > ${ep(o.server, o.serverPort)}`;
}
