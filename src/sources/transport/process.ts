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
  const ended = (s: NodeJS.ReadableStream) =>
    new Promise<void>((r) => {
      if ((s as { readableEnded?: boolean }).readableEnded) return r();
      s.once('end', r);
      s.once('close', r);
      s.once('error', () => r());
    });
  const { code, signal } = await proc.exit;
  if (timer) clearTimeout(timer);
  // the exit status can arrive before the last output (ssh2 channels): wait for both streams,
  // but never hang on a stream that is never ended
  await Promise.race([Promise.all([ended(proc.stdout), ended(proc.stderr)]), new Promise((r) => setTimeout(r, 2000).unref())]);
  return {
    stdout: Buffer.concat(out).toString('utf8'),
    stderr: Buffer.concat(err).toString('utf8'),
    code,
    signal,
  };
}
