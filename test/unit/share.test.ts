/**
 * The share server and client over real Unix sockets in a temporary directory: the directory and
 * socket checks, the peer check (real SO_PEERCRED), 12 viewers kept equal to the owner's state, a
 * viewer that stops reading dropped to a fresh snapshot without holding the owner back, and the
 * viewer's requests (mark, kill, bad lines); the producer: one Buffer per frame for every viewer,
 * none without viewers, the recorder's shared with --record.
 */
import { chmodSync, chownSync, mkdirSync, mkdtempSync, rmSync, statSync, symlinkSync } from 'node:fs';
import net from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseCli } from '../../src/cli/args.js';
import { pickSession } from '../../src/cli/attach.js';
import { connectShare, AttachError, type ShareClient } from '../../src/cli/share/client.js';
import { ensureShareDir, findGroup, inGroup, parseGroupFile, parsePasswdFile, shareDir, ShareError, userNameOf } from '../../src/cli/share/paths.js';
import { parsePeerCred } from '../../src/cli/share/peercred.js';
import { KILL_REFUSED, ShareServer, type ShareReply } from '../../src/cli/share/server.js';
import { startShare } from '../../src/cli/share/owner.js';
import { createAppStore, MARK_NOTE_MAX, type Store } from '../../src/state/store.js';
import { dataOf, parseFrame, StreamProducer, type Frame } from '../../src/state/stream.js';
import { waitFor } from '../e2e/run.js';

const UID = process.getuid!();
let tmp: string;
let dir: string;
let store: Store;
let producer: StreamProducer;
let server: ShareServer | undefined;
const clients: ShareClient[] = [];

beforeEach(() => {
  tmp = mkdtempSync(join(tmpdir(), 'nwshare-'));
  dir = join(tmp, 'netwatch');
  store = createAppStore();
  producer = new StreamProducer(store, { producer: 'share', coalesceMs: 5 });
});
afterEach(() => {
  for (const c of clients.splice(0)) c.close();
  server?.close();
  server = undefined;
  producer.stop();
  rmSync(tmp, { recursive: true, force: true });
});

async function serve(o: Partial<ConstructorParameters<typeof ShareServer>[1]> = {}): Promise<string> {
  server = new ShareServer(producer, { dir, uid: UID, onMark: (note, by) => void store.getState().addMark(note, by), ...o });
  return server.start();
}
async function attach(path: string): Promise<ShareClient> {
  const c = await connectShare(path, { timeoutMs: 10_000 });
  clients.push(c);
  return c;
}
/** the owner's state changes as a tick does: ticks and a growing field every viewer must follow */
function tick(n: number, pad = 0): void {
  store.setState((s) => ({ ticks: s.ticks + 1, differences: [...s.differences.slice(-50), { n, pad: 'x'.repeat(pad) } as never] }));
}
const same = (c: ShareClient) => JSON.stringify(dataOf(c.replica.store.getState()).differences) === JSON.stringify(dataOf(store.getState()).differences) && c.replica.store.getState().ticks === store.getState().ticks;

describe('session directory', () => {
  it('is $XDG_RUNTIME_DIR/netwatch or /tmp/netwatch-UID', () => {
    expect(shareDir({ XDG_RUNTIME_DIR: '/run/user/1000' }, 1000)).toBe('/run/user/1000/netwatch');
    expect(shareDir({}, 1000)).toBe('/tmp/netwatch-1000');
    expect(shareDir({ XDG_RUNTIME_DIR: 'relative' }, 7)).toBe('/tmp/netwatch-7');
  });
  it('is made 0700 and the socket 0600', async () => {
    const path = await serve();
    expect(statSync(dir).mode & 0o7777).toBe(0o700);
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(statSync(path).isSocket()).toBe(true);
  });
  it('refuses a symlink, a wrong mode, and a directory of another uid', () => {
    mkdirSync(join(tmp, 'real'), { mode: 0o700 });
    symlinkSync(join(tmp, 'real'), dir);
    expect(() => ensureShareDir(dir, UID)).toThrow(/symlink: refused/);
    rmSync(dir);
    mkdirSync(dir);
    chmodSync(dir, 0o755);
    expect(() => ensureShareDir(dir, UID)).toThrow(/mode 0755, not 0700: refused/);
    chmodSync(dir, 0o700);
    if (UID === 0) {
      chownSync(dir, 65534, 65534);
      expect(() => ensureShareDir(dir, UID)).toThrow(ShareError);
      expect(() => ensureShareDir(dir, UID)).toThrow(/belongs to uid 65534/);
    }
  });
  it('with a group: 0750 and the group\'s, socket 0660', async () => {
    const path = await serve({ group: '0', accounts: { groups: [{ name: 'root', gid: 0, members: [] }], users: [] } });
    expect(statSync(dir).mode & 0o7777).toBe(0o750);
    expect(statSync(path).mode & 0o777).toBe(0o660);
  });
  it('picks the only session, or lists them', () => {
    expect(pickSession(undefined, '/d', () => [{ pid: 5, path: '/d/session-5.sock' }])).toBe('/d/session-5.sock');
    expect(pickSession('42', '/d', () => [])).toBe('/d/session-42.sock');
    expect(() => pickSession(undefined, '/d', () => [])).toThrow(/no shared session in \/d/);
    expect(() => pickSession(undefined, '/d', () => [{ pid: 5, path: '/d/a' }, { pid: 6, path: '/d/b' }])).toThrow(/2 shared sessions.*attach PID\|PATH\n {2}5 {2}\/d\/a\n {2}6 {2}\/d\/b/s);
  });
});

describe('peer check', () => {
  it('reads SO_PEERCRED: a peer of another uid is refused with a clear line and closed', async () => {
    // the owner is someone else: our real uid, read from the kernel, is refused
    const path = await serve({ uid: UID + 4242 });
    const err = await connectShare(path, { timeoutMs: 10_000 }).catch((e: Error) => e);
    expect(err).toBeInstanceOf(AttachError);
    expect((err as Error).message).toBe(`netwatch: attach refused: uid ${UID} is not the owner (uid ${UID + 4242})`);
  });
  it('names the group when there is one, and lets its members in', async () => {
    const acc = { groups: parseGroupFile(`pair:x:4242:alice,${'me'}\nother:x:5000:\n`), users: parsePasswdFile(`me:x:${UID}:100:::\n`) };
    const path = await serve({ uid: UID + 1, group: 'pair', accounts: acc });
    const c = await attach(path);
    expect(c.replica.hello()?.producer).toBe('share');
    server!.close();
    const s2 = new ShareServer(producer, { dir: join(tmp, 'two'), uid: UID + 1, group: 'other', accounts: acc });
    const p2 = await s2.start();
    const err = await connectShare(p2, { timeoutMs: 10_000 }).catch((e: Error) => e);
    expect((err as Error).message).toBe(`netwatch: attach refused: uid ${UID} is not the owner (uid ${UID + 1}) nor in group other (gid 5000)`);
    s2.close();
  });
  it('group membership: process gid, primary gid or member list', () => {
    const acc = { groups: parseGroupFile('ops:x:300:bob\n'), users: parsePasswdFile('bob:x:1001:1001:::\ncarol:x:1002:300:::\ndan:x:1003:1003:::\n') };
    const ops = findGroup(acc, 'ops')!;
    expect(findGroup(acc, '300')).toBe(ops);
    expect(inGroup(acc, ops, { uid: 1001, gid: 1001 })).toBe(true);
    expect(inGroup(acc, ops, { uid: 1002, gid: 1002 })).toBe(true);
    expect(inGroup(acc, ops, { uid: 1003, gid: 300 })).toBe(true);
    expect(inGroup(acc, ops, { uid: 1003, gid: 1003 })).toBe(false);
    expect(parsePeerCred('123 0 0\n')).toEqual({ pid: 123, uid: 0, gid: 0 });
    expect(parsePeerCred('x')).toBeUndefined();
  });
});

describe('viewers', () => {
  it('12 viewers follow the owner\'s state', async () => {
    const path = await serve();
    const cs = await Promise.all(Array.from({ length: 12 }, () => attach(path)));
    expect(server!.viewerCount).toBe(12);
    for (let i = 0; i < 30; i++) {
      tick(i);
      await new Promise((r) => setTimeout(r, 8));
    }
    await waitFor('all 12 in step', () => cs.every(same), 20_000);
    expect(cs.every((c) => c.replica.store.getState().ticks === 30)).toBe(true);
  });

  it('a viewer that stops reading is dropped to a fresh snapshot; the others and the owner go on', async () => {
    const path = await serve({ viewerBuffer: 64 * 1024 });
    const fast = await attach(path);
    // a raw viewer that reads nothing for a while
    const raw = net.connect(path);
    raw.pause();
    await waitFor('slow viewer attached', () => server!.viewerCount === 2, 10_000);
    const t0 = performance.now();
    for (let i = 0; i < 200; i++) {
      tick(i, 4000);
      producer.flush();
    }
    const ownerMs = performance.now() - t0;
    await waitFor('fast viewer in step', () => same(fast), 20_000);
    // now read the slow one: its frames have a gap in seq, then a snap, then it goes on
    const frames: Frame[] = [];
    let buf = '';
    raw.setEncoding('utf8');
    raw.on('data', (d: string) => {
      buf += d;
      let i;
      while ((i = buf.indexOf('\n')) >= 0) {
        frames.push(parseFrame(buf.slice(0, i)));
        buf = buf.slice(i + 1);
      }
    });
    raw.resume();
    const last = () => frames.filter((f) => f.t === 'snap' || f.t === 'delta').at(-1) as { seq: number } | undefined;
    await waitFor('slow viewer resynced', () => frames.filter((f) => f.t === 'snap').length >= 2 && last()!.seq === 200, 20_000);
    const seqs = frames.filter((f) => f.t === 'delta').map((f) => (f as { seq: number }).seq);
    expect(seqs.length).toBeLessThan(200); // deltas were dropped for it
    const snaps = frames.filter((f) => f.t === 'snap') as { seq: number }[];
    expect(snaps[1]!.seq).toBeGreaterThan(seqs[0] ?? 0);
    // the owner never waited for it: 200 updates of ~200 KB state well under the time a blocked write would take
    expect(ownerMs).toBeLessThan(10_000);
    raw.destroy();
  });

  it('three viewers that stop reading: each is held to the bound (frames dropped, counted), never buffered without end', async () => {
    const bound = 64 * 1024;
    const path = await serve({ viewerBuffer: bound });
    const fast = await attach(path);
    const raws = [0, 1, 2].map(() => net.connect(path).pause());
    await waitFor('slow viewers attached', () => server!.viewerCount === 4, 10_000);
    let biggest = 0;
    producer.subscribe((_f, text) => void (biggest = Math.max(biggest, text.length + 1)));
    for (let i = 0; i < 300; i++) {
      tick(i, 4000);
      producer.flush();
    }
    // what the owner holds for each slow one: at most the bound plus the frame that crossed it
    const queued = [...(server as unknown as { viewers: Set<{ socket: net.Socket }> }).viewers].map((v) => v.socket.writableLength);
    expect(queued.length).toBe(4);
    for (const q of queued) expect(q).toBeLessThanOrEqual(bound + biggest);
    expect(server!.dropped).toBeGreaterThan(3 * 100);
    await waitFor('fast viewer in step', () => same(fast), 20_000);
    for (const r of raws) r.destroy();
  });

  it('every viewer is written the same Buffer for a frame (encoded once, never per viewer)', () => {
    const lines: Buffer[][] = [[], []];
    for (const l of lines) producer.subscribe((f, text, line) => void (f.t === 'delta' && l.push(line())));
    for (let i = 0; i < 3; i++) {
      tick(i);
      producer.flush();
    }
    expect(lines[0]!.length).toBe(3);
    lines[0]!.forEach((b, i) => expect(b).toBe(lines[1]![i]));
    expect(lines[0]![2]!.toString('utf8').endsWith('\n')).toBe(true);
  });

  it('--share with nobody attached runs no producer; the first viewer starts one, the last one leaving stops it', async () => {
    const owner = await startShare(store, {}, () => {}, 'me', undefined, { dir, pid: 4242 });
    try {
      expect(owner.server.producing).toBe(false);
      tick(1);
      expect(owner.server.producing).toBe(false);
      const c = await attach(owner.path);
      expect(owner.server.producing).toBe(true);
      expect(c.replica.hello()?.producer).toBe('share');
      c.close();
      await waitFor('producer stopped', () => !owner.server.producing, 10_000);
    } finally {
      owner.close();
    }
  });

  it('--record and --share: one producer (the recorder\'s) for the file and the viewers; viewers get a share hello; the server never stops it', async () => {
    const rec = new StreamProducer(store, { producer: 'recording', coalesceMs: 5, meta: { argv: 'netwatch --record x --share' } });
    const deltas: number[] = [];
    rec.subscribe((f) => void (f.t === 'delta' && deltas.push(f.seq)));
    const owner = await startShare(store, {}, () => {}, 'me', undefined, { dir, pid: 4343, producer: rec });
    try {
      expect(owner.server.producing).toBe(true);
      const c = await attach(owner.path);
      expect(c.replica.hello()).toMatchObject({ producer: 'share', meta: { user: 'me' } });
      expect(c.replica.hello()?.meta?.argv).toBeUndefined();
      tick(1);
      rec.flush();
      await waitFor('viewer in step', () => same(c), 10_000);
      // the viewer followed the recorder's own frames: the same seq
      expect(deltas).toEqual([1]);
      c.close();
      owner.close();
      tick(2);
      rec.flush();
      expect(deltas).toEqual([1, 2]);
      expect(rec.sinkCount).toBe(1);
    } finally {
      owner.close();
      rec.stop();
    }
  });

  it('requests: a mark lands in the owner\'s state and every viewer\'s; kill is refused; junk answered', async () => {
    const path = await serve();
    const a = await attach(path);
    const b = await attach(path);
    const replies: ShareReply[] = [];
    a.onReply((r) => replies.push(r));
    a.send({ r: 'mark', note: 'restarted kube-proxy on n3' });
    await waitFor('mark in b', () => b.replica.store.getState().marks.some((m) => m.note === 'restarted kube-proxy on n3'), 10_000);
    // signed with the user name of its uid (the default: /etc/passwd), never "uid N"
    expect(store.getState().marks.at(-1)!.by).toBe(`${userNameOf(UID) ?? `uid ${UID}`} (attached)`);
    expect(userNameOf(UID)).toBe(userInfo().username);
    a.send({ r: 'kill' });
    a.send({ r: 'capture', target: { kind: 'node', node: 'n1' } });
    a.send({ r: 'nope' } as never);
    await waitFor('replies', () => replies.length >= 4, 10_000);
    expect(replies[0]).toEqual({ r: 'mark', ok: true, message: 'marked' });
    expect(replies[1]).toEqual({ r: 'kill', ok: false, message: KILL_REFUSED });
    expect(replies[2]!.ok).toBe(false);
    expect(replies[3]).toEqual({ r: 'nope', ok: false, message: 'unknown request' });
  });

  it("a viewer's mark is signed by its uid's name, not a name it sends; a hostile note is cleaned and bounded", async () => {
    const names: number[] = [];
    const path = await serve({ userName: (uid) => (names.push(uid), uid === UID ? 'alice' : undefined) });
    const a = await attach(path);
    const evil = `\u001b]0;pwned\u0007\u001b[2J${'\u202e'}note\r\nsecond line\u0000${'ü'.repeat(300)}`;
    a.send({ r: 'mark', note: evil, by: 'mallory', uid: 999 } as never);
    await waitFor('the mark', () => store.getState().marks.length === 1, 10_000);
    const m = store.getState().marks[0]!;
    expect(names).toEqual([UID]);
    expect(m.by).toBe('alice (attached)');
    // no control, bidi or line-break character left; at most MARK_NOTE_MAX code points
    // eslint-disable-next-line no-control-regex
    expect(m.note).not.toMatch(/[\u0000-\u001f\u007f-\u009f\u202e]/);
    expect(m.note.startsWith(']0;pwned[2Jnote second line')).toBe(true);
    expect(Array.from(m.note).length).toBe(MARK_NOTE_MAX);
    // no name for the uid: the uid
    server!.close();
    const p2 = await serve({ dir: join(tmp, 'two'), userName: () => undefined });
    const b = await attach(p2);
    b.send({ r: 'mark', note: 'x' });
    await waitFor('the second mark', () => store.getState().marks.length === 2, 10_000);
    expect(store.getState().marks[1]!.by).toBe(`uid ${UID} (attached)`);
  });

  it('a request line over 64 KiB, or without end, closes that viewer only', async () => {
    const path = await serve();
    const c = await attach(path);
    const other = await attach(path);
    c.send({ r: 'mark', note: 'y'.repeat(70 * 1024) });
    expect(await c.ended).toBe('owner ended the session'); // the owner closed this connection
    const raw = net.connect(path);
    raw.on('error', () => {});
    raw.resume();
    raw.write('z'.repeat(70 * 1024));
    await new Promise((r) => raw.on('close', r));
    expect(server!.viewerCount).toBe(1);
    expect(store.getState().marks).toEqual([]);
    other.send({ r: 'mark', note: 'still here' });
    await waitFor('other still served', () => other.replica.store.getState().marks.length === 1, 10_000);
  });

  it('the owner quitting ends every viewer with "owner ended the session"', async () => {
    const path = await serve();
    const c = await attach(path);
    const t = performance.now();
    server!.close();
    expect(await c.ended).toBe('owner ended the session');
    expect(performance.now() - t).toBeLessThan(5000);
  });

  it('no session: a clear error, within the bound', async () => {
    const err = await connectShare(join(tmp, 'none.sock'), { timeoutMs: 2000 }).catch((e: Error) => e);
    expect((err as Error).message).toMatch(/no session at .*none\.sock \(ENOENT\)/);
  });
});

describe('flags', () => {
  it('--share, --share-group, attach [PID|PATH] [--once -o FORMAT]', () => {
    expect(parseCli(['--hosts', 'a', '--share'])).toMatchObject({ command: 'watch', share: true });
    expect(parseCli(['--share', '--share-group', 'ops'])).toMatchObject({ share: true, shareGroup: 'ops' });
    expect(parseCli(['attach'])).toMatchObject({ command: 'attach', share: false });
    expect(parseCli(['attach', '4242', '--once', '--json'])).toMatchObject({ command: 'attach', attachTo: '4242', once: true, output: 'json' });
    expect(parseCli(['attach', '/run/x.sock', '--once', '-o', 'markdown'])).toMatchObject({ attachTo: '/run/x.sock', output: 'markdown' });
    expect(() => parseCli(['--share', '--once'])).toThrow('--share goes with the live view');
    expect(() => parseCli(['--share-group', 'ops'])).toThrow('--share-group goes with --share');
    expect(() => parseCli(['--share', '--share-group', 'a;b'])).toThrow(/--share-group takes a group name/);
    expect(() => parseCli(['attach', '-o', 'json'])).toThrow('-o/--json go with attach --once');
    expect(() => parseCli(['attach', '1', '2'])).toThrow('attach takes at most one PID or socket PATH');
    expect(() => parseCli(['attach', '--hosts', 'a'])).toThrow(/attach takes no nodes/);
  });
});
