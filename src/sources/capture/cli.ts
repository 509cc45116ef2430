/**
 * `netwatch capture TARGET [--filter EXPR] [--seconds N] [--count N] -w FILE`, after the lead's
 * argument parsing has resolved TARGET to (transport, iface): runs one capture, writes FILE as
 * packets arrive, prints a live one-line summary and the full summary at the end to `out`
 * (stderr), and returns the exit code:
 *   0   the capture ran (stopped by count, duration or the signal)
 *   1   it failed: tcpdump's own message (bad filter, interface), the connection, or netwatch's
 *       own SSH connection could not be told on the node (nothing was captured)
 *   2   bad values (interface, filter, numbers, a -w FILE that cannot be written): the
 *       validators' message, before tcpdump starts
 *   127 tcpdump missing on the node (with the fix)
 */
import { accessSync, constants, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { Writable } from 'node:stream';
import type { Transport } from '../transport/types.js';
import { InvalidNameError } from '../shell.js';
import { CaptureSession } from './session.js';
import { bytes, num, rate, summaryReport } from './report.js';
import { describeCapturePlan, describeOwnSsh, ownSshMode } from './plan.js';

export interface CaptureCommandOptions {
  /** node name for messages (default: the transport's name) */
  node?: string;
  filter?: string;
  seconds?: number;
  count?: number;
  snaplen?: number;
  tcpdump?: string;
  /** -w FILE; '-' writes the pcap to `stdout` */
  file: string;
  stdout?: Writable;
  /** aborting stops the capture cleanly (Ctrl-C); the file is complete */
  signal?: AbortSignal;
  /** live line interval (default 1000 ms); 0: none */
  progressMs?: number;
  idleSeconds?: number;
}

interface Out {
  write(s: string): unknown;
  isTTY?: boolean;
}

/**
 * Why -w FILE cannot be written, checked before anything starts on a node (its directory exists,
 * it is not a directory, it or its directory is writable), or undefined. '-' is stdout.
 */
export function unwritable(file: string): string | undefined {
  if (file === '-') return undefined;
  const why = (e: unknown) => (e as NodeJS.ErrnoException).code ?? (e as Error).message;
  const dir = dirname(resolve(file));
  let exists = true;
  try {
    if (statSync(file).isDirectory()) return `cannot write -w ${file}: it is a directory`;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') return `cannot write -w ${file}: ${why(e)}`;
    exists = false;
  }
  if (!exists) {
    try {
      if (!statSync(dir).isDirectory()) return `cannot write -w ${file}: ${dir} is not a directory`;
    } catch (e) {
      return `cannot write -w ${file}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? `no directory ${dir}` : why(e)}`;
    }
  }
  try {
    accessSync(exists ? file : dir, constants.W_OK);
  } catch (e) {
    return `cannot write -w ${file}: ${why(e)}`;
  }
  return undefined;
}

export async function runCaptureCommand(t: Transport, iface: string, opts: CaptureCommandOptions, out: Out): Promise<number> {
  const noWrite = unwritable(opts.file);
  if (noWrite) {
    out.write(`netwatch capture: ${noWrite}\n`);
    return 2;
  }
  const s = new CaptureSession({ idleSeconds: opts.idleSeconds });
  const node = opts.node ?? t.name;
  out.write(`${describeCapturePlan({ node, iface, filter: opts.filter, snaplen: opts.snaplen, ownSsh: ownSshMode(t) }).line}\n`);
  try {
    s.start(t, { node, iface, filter: opts.filter, seconds: opts.seconds, count: opts.count, snaplen: opts.snaplen, tcpdump: opts.tcpdump });
  } catch (e) {
    out.write(`netwatch capture: ${(e as Error).message}\n`);
    return e instanceof InvalidNameError || e instanceof RangeError ? 2 : 1;
  }
  const target = opts.file === '-' ? (opts.stdout ?? process.stdout) : opts.file;
  const abort = () => void s.stop();
  if (opts.signal?.aborted) abort();
  opts.signal?.addEventListener('abort', abort, { once: true });
  let live: NodeJS.Timeout | null = null;
  let shown = false;
  let writeError = false;
  const line = () => {
    const sum = s.summary();
    const f = s.file();
    const text =
      `${node}:${iface}  ${num(sum.packets)} packets  ${rate(sum.pps)}/s  SYN without reply ${num(sum.syn.unanswered)}  ` +
      `RST ${num(sum.rsts)}  ICMP unreach ${num(sum.icmp.unreachable + sum.icmp.fragNeeded + sum.icmp.packetTooBig)}` +
      (f ? `  > ${f.path} ${bytes(f.bytes)}` : '');
    out.write(out.isTTY ? `\r\x1b[K${text}` : `${text}\n`);
    shown = true;
  };
  s.on('status', (st: { kind: string }) => {
    if (st.kind !== 'running') return;
    void s.keepTo(target).catch((e: Error) => {
      writeError = true;
      out.write(`netwatch capture: cannot write ${opts.file}: ${e.message}\n`);
      void s.stop();
    });
    out.write(`capturing on ${node}:${iface} with filter ${JSON.stringify(s.appliedFilter ?? opts.filter ?? '')} (${describeOwnSsh(s.ownSsh)}) > ${opts.file}\n`);
    if ((opts.progressMs ?? 1000) > 0) live = setInterval(line, opts.progressMs ?? 1000);
  });
  const st = await s.done();
  if (live) clearInterval(live);
  opts.signal?.removeEventListener('abort', abort);
  if (shown && out.isTTY) out.write('\n');
  if (st.kind === 'error') {
    out.write(`netwatch capture: ${node}:${iface}: ${st.message}\n`);
    return st.cause === 'missing-tcpdump' ? 127 : 1;
  }
  for (const l of summaryReport(s.summary(), 5)) out.write(`${l.text}\n`);
  const f = s.file();
  const stats = s.stats();
  if (f) out.write(`wrote ${num(f.packets)} packets (${bytes(f.bytes)}) to ${f.path}${f.error ? ` — write error: ${f.error}` : ''}\n`);
  if (stats?.dropped) out.write(`tcpdump: ${num(stats.dropped)} packets dropped by the kernel\n`);
  if (st.kind === 'stopped' && st.message) out.write(`${st.message}\n`);
  if (st.kind === 'stopped' && st.reason === 'connection-lost') return 1;
  return writeError || f?.error ? 1 : 0;
}
