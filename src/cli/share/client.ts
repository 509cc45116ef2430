/**
 * A viewer's side of a shared session: connects to the owner's socket (bounded), feeds the frames
 * into a replica store the UI reads, and sends requests (mark, capture, kill) as JSON lines.
 */
import net from 'node:net';
import { createReplica, decodeValue, parseFrame, type Replica } from '../../state/stream.js';
import type { ShareReply, ShareRequest } from './server.js';

export interface ShareClient {
  replica: Replica;
  send(q: ShareRequest): void;
  /** the owner's answers to this viewer's requests */
  /** …returns its removal */
  onReply(fn: (r: ShareReply) => void): () => void;
  /** capture events (kind 'capture') and other events the owner broadcasts; returns its removal */
  onEvent(fn: (kind: string, data: unknown) => void): () => void;
  /** the session ended (owner quit, or the connection broke): the reason */
  ended: Promise<string>;
  close(): void;
  /** ms from connect() to the first snapshot applied */
  firstFrameMs: number;
}

export class AttachError extends Error {}

export function connectShare(path: string, opts: { timeoutMs?: number } = {}): Promise<ShareClient> {
  const t0 = performance.now();
  const replica = createReplica({ readonly: true });
  const replies = new Set<(r: ShareReply) => void>();
  const events = new Set<(k: string, d: unknown) => void>();
  let endReason: string | undefined;
  let endResolve: (why: string) => void = () => {};
  const ended = new Promise<string>((r) => (endResolve = r));
  return new Promise((resolve, reject) => {
    let ready = false;
    const s = net.connect(path);
    const timer = setTimeout(() => {
      s.destroy();
      reject(new AttachError(`attach: no answer from ${path} within ${opts.timeoutMs ?? 5000} ms`));
    }, opts.timeoutMs ?? 5000);
    const client: ShareClient = {
      replica,
      send: (q) => void (s.writable && s.write(JSON.stringify(q) + '\n')),
      onReply: (fn) => (replies.add(fn), () => void replies.delete(fn)),
      onEvent: (fn) => (events.add(fn), () => void events.delete(fn)),
      ended,
      close: () => s.destroy(),
      firstFrameMs: 0,
    };
    const finish = (why: string) => {
      if (endReason !== undefined) return;
      endReason = why;
      endResolve(why);
    };
    s.on('error', (e: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      if (ready) return finish(`connection lost: ${e.message}`);
      if (e.code === 'EACCES') reject(new AttachError(`netwatch: attach refused: permission denied on ${path} (only its owner, or the members of its --share-group, may attach)`));
      else if (e.code === 'ENOENT' || e.code === 'ECONNREFUSED') reject(new AttachError(`netwatch: attach: no session at ${path} (${e.code})`));
      else reject(new AttachError(`netwatch: attach: ${path}: ${e.message}`));
    });
    s.on('close', () => {
      clearTimeout(timer);
      if (!ready) reject(new AttachError(`netwatch: attach: ${path} closed the connection before its first frame`));
      finish('owner ended the session');
    });
    let buf = '';
    s.setEncoding('utf8');
    s.on('data', (chunk: string) => {
      buf += chunk;
      let i: number;
      while ((i = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, i);
        buf = buf.slice(i + 1);
        if (!line) continue;
        let f;
        try {
          f = parseFrame(line);
        } catch (e) {
          s.destroy();
          if (!ready) return reject(new AttachError(`netwatch: attach: ${(e as Error).message}`));
          return finish(`bad frame from the owner: ${(e as Error).message}`);
        }
        if (f.t === 'event') {
          const data = decodeValue(f.data);
          if (f.kind === 'refused') {
            clearTimeout(timer);
            s.destroy();
            return reject(new AttachError(String(data)));
          }
          if (f.kind === 'end') finish(String(data));
          else if (f.kind === 'reply') for (const fn of replies) fn(data as ShareReply);
          else for (const fn of events) fn(f.kind, data);
          continue;
        }
        // a gap (should not happen: the owner resyncs us with a snap) → ask for one
        if (!replica.apply(f)) client.send({ r: 'snap' });
        if (!ready && f.t === 'snap') {
          ready = true;
          clearTimeout(timer);
          client.firstFrameMs = performance.now() - t0;
          resolve(client);
        }
      }
    });
  });
}
