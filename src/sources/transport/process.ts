/** Shared plumbing for transports: collecting a RemoteProcess into an ExecResult. */
import type { ExecOptions, ExecResult, RemoteProcess } from './types.js';

export async function collect(proc: RemoteProcess, opts: ExecOptions = {}): Promise<ExecResult> {
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  proc.stdout.on('data', (b: Buffer) => out.push(b));
  proc.stderr.on('data', (b: Buffer) => err.push(b));
  proc.stdin.on('error', () => {});
  if (opts.input !== undefined) proc.stdin.end(opts.input);
  else proc.stdin.end();
  let timer: NodeJS.Timeout | undefined;
  if (opts.timeoutMs) timer = setTimeout(() => proc.close(), opts.timeoutMs);
  const { code, signal } = await proc.exit;
  if (timer) clearTimeout(timer);
  // let buffered 'data' events drain
  await new Promise((r) => setImmediate(r));
  return {
    stdout: Buffer.concat(out).toString('utf8'),
    stderr: Buffer.concat(err).toString('utf8'),
    code,
    signal,
  };
}
