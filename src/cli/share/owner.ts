/**
 * --share in the live view: a StreamProducer on the live store (the one diff per update every
 * viewer gets) and the share server on the session's socket. With --record too, the recorder's
 * producer is the one (`extra.producer`): one diff per update for the file and the viewers.
 */
import { StreamProducer } from '../../state/stream.js';
import type { Store } from '../../state/store.js';
import type { Options } from '../args.js';
import { shareDir } from './paths.js';
import { ShareServer, type ShareServerOptions } from './server.js';
import type { HostOptions } from '../views.js';
import { viewerCaptures } from './capture.js';
import type { Notices } from '../../ui/notices.js';
import type { CaptureSource } from '../../sources/capture/source.js';

export interface OwnerShare {
  path: string;
  server: ShareServer;
  /** the last capture an attached viewer started here (the owner's `V`) */
  viewerCapture(): { src: CaptureSource; by: string; where: string } | undefined;
  close(): void;
}

export async function startShare(
  store: Store,
  opts: Pick<Options, 'shareGroup'>,
  log: (m: string) => void,
  user?: string,
  host?: HostOptions,
  extra: Partial<ShareServerOptions> & { producer?: StreamProducer } = {},
  notices?: Notices,
): Promise<OwnerShare> {
  const uid = process.getuid?.() ?? 0;
  const { producer: shared, ...serverExtra } = extra;
  const meta: Record<string, string> = user ? { user } : {};
  // a producer only while a viewer is attached: --share costs nothing while nobody watches;
  // or the recorder's (it runs anyway): viewers get their own hello from it
  const producer = shared ?? (() => new StreamProducer(store, { producer: 'share', meta }));
  // a viewer's `c`: the owner's session runs the capture, every viewer sees its lines
  const events = { emit: (kind: string, data: unknown) => server.event(kind, data) };
  // …and the owner's status line says who started it and how it goes
  const captures = host ? viewerCaptures(host, events, log, { notify: (segs) => notices?.set('viewerCapture', segs) }) : undefined;
  const server: ShareServer = new ShareServer(producer, {
    dir: shareDir(process.env, uid),
    uid,
    ...(opts.shareGroup !== undefined ? { group: opts.shareGroup } : {}),
    // a viewer's mark goes into the owner's state: every viewer (and a recording) gets it from there
    onMark: (note, by) => void store.getState().addMark(note, by),
    ...(captures ? { onCapture: captures.onCapture, onCaptureStop: captures.onCaptureStop } : {}),
    ...(shared ? { hello: { producer: 'share' as const, meta } } : {}),
    log,
    ...serverExtra,
  });
  let path: string;
  try {
    path = await server.start();
  } catch (e) {
    server.close();
    captures?.stop();
    throw e;
  }
  log(`share: serving at ${path}`);
  return {
    path,
    server,
    viewerCapture: () => captures?.current(),
    close() {
      captures?.stop();
      server.close();
    },
  };
}
