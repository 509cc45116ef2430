/**
 * Asks tcpdump on the node whether a filter compiles for an interface (`tcpdump -d`), without
 * capturing anything. For the filter prompt and the CLI; a capture checks again by itself.
 */
import type { Transport } from '../transport/types.js';
import { CAPTURE_DEFAULTS, CHECK_SH, checkArgs, missingTcpdumpMessage, parseStderr } from './script.js';
import { ownSshMode } from './plan.js';
import { processTag } from '../remote/tags.js';

export type FilterCheck =
  /** appliedFilter: the filter a capture would apply (the user's and the own-SSH exclusion) */
  | { ok: true; appliedFilter: string }
  | { ok: false; cause: 'missing-tcpdump' | 'rejected' | 'unprotected' | 'error'; message: string };

export async function checkFilter(
  t: Transport,
  iface: string,
  filter: string,
  opts: { tcpdump?: string; node?: string; timeoutMs?: number } = {},
): Promise<FilterCheck> {
  const tcpdump = opts.tcpdump ?? CAPTURE_DEFAULTS.tcpdump;
  const args = checkArgs(tcpdump, iface, filter, ownSshMode(t));
  const r = await t.exec(CHECK_SH, args, { privileged: true, tag: processTag('check', t), timeoutMs: opts.timeoutMs ?? 20_000 });
  const report = parseStderr(r.stderr);
  if (report.missing !== undefined || r.code === 127) {
    return { ok: false, cause: 'missing-tcpdump', message: missingTcpdumpMessage(opts.node ?? t.name, report.missing ?? tcpdump) };
  }
  if (report.unprotected !== undefined) {
    return { ok: false, cause: 'unprotected', message: `netwatch's own SSH connection cannot be told on ${opts.node ?? t.name}: ${report.unprotected}` };
  }
  if (report.valid) return { ok: true, appliedFilter: report.appliedFilter ?? filter };
  const message = report.messages.join('\n');
  if (report.rejected) return { ok: false, cause: 'rejected', message: message || 'tcpdump refused the filter or interface' };
  return { ok: false, cause: 'error', message: message || `filter check on ${t.name} failed (exit ${r.code ?? r.signal ?? 'none'})` };
}
