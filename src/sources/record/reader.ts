/**
 * Reading a recording (format.ts) as a Timeline (state/timeline.ts). Opening reads only the record
 * headers (seeking past the payloads) and checks the last segment's payloads, so a torn or
 * zero-filled tail (a recorder killed, a full disk) ends the recording at the last complete
 * record. stateAt(t) inflates one segment: from the snapshot at or before t to t.
 *
 * FILE.1 (the part a --max-size rotation moved aside) is read before FILE when it is of the same
 * recording (the same hello meta.recording id): replay shows both.
 */
import { open, stat, type FileHandle } from 'node:fs/promises';
import { applyPatch, decodeParsed, parseFrame, STREAM_VERSION, type Hello, type StreamState } from '../../state/stream.js';
import { indexAt, type Timeline, type TimelineMark } from '../../state/timeline.js';
import { finishProblems, Pending, restoreDerived, restoreSnapshot, touchedBy, type Derived, type SnapDerived } from './derived.js';
import { applyColumns } from './columns.js';
import { checksum, FILE_HEADER, KIND, readFileHeader, readRecordHeader, RECORD_HEADER, RecordingError, SegmentReader, type ReadRecord } from './format.js';

interface Rec {
  file: number;
  /** payload offset */
  off: number;
  len: number;
  at: number;
  kind: number;
  check: number;
}

interface Part {
  path: string;
  fh: FileHandle;
  hello: Hello;
  /** the file's format version (format.ts: 1 or 2) */
  format: number;
  recs: Rec[];
  /** bytes after the last complete record (a torn tail), 0 when none */
  torn: number;
}

async function readAt(fh: FileHandle, off: number, len: number): Promise<Buffer> {
  const b = Buffer.alloc(len);
  let got = 0;
  while (got < len) {
    const { bytesRead } = await fh.read(b, got, len - got, off + got);
    if (!bytesRead) break;
    got += bytesRead;
  }
  return got === len ? b : b.subarray(0, got);
}

/** headers are read in blocks of this many bytes (a delta is usually far smaller: many headers per read) */
const BLOCK = 256 * 1024;

async function indexPart(path: string, fileNo: number): Promise<Part> {
  const fh = await open(path, 'r');
  try {
    const size = (await fh.stat()).size;
    const { format } = readFileHeader(await readAt(fh, 0, FILE_HEADER), STREAM_VERSION, path);
    const recs: Rec[] = [];
    let pos = FILE_HEADER;
    let block: Buffer = Buffer.alloc(0);
    let blockAt = 0;
    const head = async (p: number): Promise<Buffer | undefined> => {
      if (p + RECORD_HEADER > size) return undefined;
      if (p < blockAt || p + RECORD_HEADER > blockAt + block.length) {
        block = await readAt(fh, p, Math.min(BLOCK, size - p));
        blockAt = p;
      }
      return block.subarray(p - blockAt, p - blockAt + RECORD_HEADER);
    };
    for (;;) {
      const h = await head(pos);
      if (!h) break;
      const r = readRecordHeader(h);
      if (r.kind < KIND.hello || r.kind > KIND.event || !Number.isFinite(r.at) || pos + RECORD_HEADER + r.len > size) break;
      recs.push({ file: fileNo, off: pos + RECORD_HEADER, len: r.len, at: r.at, kind: r.kind, check: r.check });
      pos += RECORD_HEADER + r.len;
    }
    // the tail a crash can tear is after the last snapshot: its payloads are checked now, the
    // others when their segment is read
    let lastSnap = recs.length - 1;
    while (lastSnap > 0 && recs[lastSnap]!.kind !== KIND.snap) lastSnap--;
    for (let i = Math.max(0, lastSnap); i < recs.length; i++) {
      const r = recs[i]!;
      if (checksum(await readAt(fh, r.off, r.len)) !== r.check) {
        pos = r.off - RECORD_HEADER;
        recs.length = i;
        break;
      }
    }
    const first = recs[0];
    if (!first || first.kind !== KIND.hello) throw new RecordingError(`${path}: no hello record: not a recording, or cut before its first record`);
    let hello: Hello;
    try {
      const f = parseFrame((await readAt(fh, first.off, first.len)).toString());
      if (f.t !== 'hello') throw new RecordingError(`${path}: the first record is no hello`);
      hello = f;
    } catch (e) {
      throw new RecordingError(`${path}: ${(e as Error).message}`);
    }
    return { path, fh, hello, format, recs, torn: size - pos };
  } catch (e) {
    await fh.close();
    throw e;
  }
}

export interface RecordingTimeline extends Timeline {
  /** the files read, oldest first (FILE.1 then FILE when rotated) */
  readonly files: readonly string[];
  /** bytes ignored at the end of FILE (a torn tail) */
  readonly tornBytes: number;
}

export async function openRecording(path: string): Promise<RecordingTimeline> {
  const main = await indexPart(path, 1);
  const parts: Part[] = [main];
  try {
    await stat(path + '.1');
    const older = await indexPart(path + '.1', 0).catch(() => undefined);
    if (older && older.hello.meta?.recording !== undefined && older.hello.meta.recording === main.hello.meta?.recording) parts.unshift(older);
    else await older?.fh.close();
  } catch {
    /* no FILE.1 */
  }
  const fhOf = (file: number) => parts.find((p) => p.recs[0]?.file === file)!.fh;
  const formatOf = (file: number) => parts.find((p) => p.recs[0]?.file === file)!.format;
  const recs = parts.flatMap((p) => p.recs);
  /** per state (snap/delta) record: its index in recs; times ascending, one per distinct time (the later record wins) */
  const stateRecs: number[] = [];
  const times: number[] = [];
  let seenSnap = false;
  recs.forEach((r, i) => {
    if (r.kind === KIND.snap) seenSnap = true;
    if ((r.kind !== KIND.snap && r.kind !== KIND.delta) || !seenSnap) return;
    // time never goes back in a recording; a record that says so is not trusted
    if (times.length && r.at < times[times.length - 1]!) return;
    if (times.length && r.at === times[times.length - 1]) stateRecs[stateRecs.length - 1] = i;
    else {
      times.push(r.at);
      stateRecs.push(i);
    }
  });
  if (!times.length) {
    for (const p of parts) await p.fh.close();
    throw new RecordingError(`${path}: no state recorded (the recorder stopped before its first snapshot)`);
  }

  /** the segment read last: its snapshot's index, how far it was applied, the state there */
  let cache: { snap: number; upto: number; state: StreamState; seq: number; dec: SegmentReader | undefined } | undefined;

  async function stateOfRec(target: number): Promise<StreamState> {
    let snap = target;
    while (recs[snap]!.kind !== KIND.snap) snap--;
    let from = snap;
    let state: StreamState | undefined;
    let seq = 0;
    let dec: SegmentReader | undefined;
    if (cache && cache.snap === snap && cache.upto <= target) {
      from = cache.upto + 1;
      state = cache.state;
      seq = cache.seq;
      if (from > target) return state;
      // this read takes the segment's decoder (its dictionary and predictions advance with each
      // record): a read asked meanwhile (replay's time bar, a later seek) starts from the snapshot
      dec = cache.dec;
      cache = undefined;
    }
    // one read for the records from..target (one file: a segment never spans a rotation)
    const a = recs[from]!;
    const b = recs[target]!;
    const pending = new Pending();
    let last = from - 1;
    const buf = await readAt(fhOf(a.file), a.off, b.off + b.len - a.off);
    for (let i = from; i <= target; i++) {
      const r = recs[i]!;
      const payload = buf.subarray(r.off - a.off, r.off - a.off + r.len);
      if (payload.length !== r.len || checksum(payload) !== r.check) break; // damaged: the state before it
      let rec: ReadRecord;
      try {
        if (r.kind === KIND.snap || !dec) dec = new SegmentReader(formatOf(r.file));
        rec = dec.read(r.kind, payload);
      } catch {
        break;
      }
      if (r.kind === KIND.snap) {
        const f = JSON.parse(rec.text.toString()) as { s: unknown; seq: number; d?: SnapDerived };
        state = restoreSnapshot(decodeParsed(f.s) as StreamState, f.d);
        pending.clear();
        seq = f.seq;
      } else if (r.kind === KIND.delta && state) {
        const f = JSON.parse(rec.text.toString()) as { p: Parameters<typeof applyPatch>[1]; seq: number; d?: Derived };
        if (f.seq !== seq + 1) break;
        // the raw patch has the decoded one's keys down to the nodes (the column form is deeper)
        const touched = touchedBy(f.p, f.d);
        state = finishProblems(state, pending, touched === 'all' ? undefined : touched);
        const before: StreamState = state;
        state = applyColumns(state, f.p, applyPatch, rec.unpack) as StreamState;
        rec.unpack?.end();
        if (f.d) state = restoreDerived(before, state, f.d, pending);
        seq = f.seq;
      }
      last = i;
    }
    if (state) {
      state = finishProblems(state, pending);
      cache = { snap, upto: last, state, seq, dec };
    }
    if (!state) throw new RecordingError(`${path}: the snapshot at ${new Date(recs[snap]!.at).toISOString()} cannot be read`);
    return state;
  }

  const start = times[0]!;
  const end = times[times.length - 1]!;
  const last = (await stateOfRec(stateRecs[stateRecs.length - 1]!)) as StreamState & { marks?: TimelineMark[] };
  const marks: TimelineMark[] = (last.marks ?? []).map((m) => ({ at: m.at, note: m.note, ...(m.by !== undefined ? { by: m.by } : {}) }));
  return {
    hello: parts[0]!.hello,
    start,
    end,
    times,
    marks,
    files: parts.map((p) => p.path),
    tornBytes: main.torn,
    stateAt: (t) => stateOfRec(stateRecs[indexAt(times, t)]!),
    close: async () => {
      for (const p of parts) await p.fh.close();
    },
  };
}
