/**
 * Lines the session says on its own, outside any key the user pressed: a capture an attached
 * viewer started in this (the owner's) session, a recording that stopped on a write error. The
 * App shows them in the status line of the overview and the node detail (after a `y`/`m` flash
 * has run out) until they are cleared. Keyed, so each source replaces its own line; a small
 * external store (subscribe + version) the App reads with useSyncExternalStore.
 */
import type { Seg } from './columns.js';
import { sanitize } from './sanitize.js';

const flat = (s: string) => sanitize(s.replace(/[\t\n\v\f\r\u0085\u2028\u2029]+/g, ' '));

export type NoticeKey = 'viewerCapture' | 'record';

export class Notices {
  private readonly lines = new Map<NoticeKey, Seg[]>();
  private readonly fns = new Set<() => void>();
  private v = 0;

  /** sets (or, with undefined, clears) this source's line; the text is made one printable line */
  set(key: NoticeKey, segs: readonly Seg[] | undefined): void {
    if (segs) this.lines.set(key, segs.map((s) => ({ ...s, text: flat(s.text) })));
    else if (!this.lines.delete(key)) return;
    this.v++;
    for (const fn of this.fns) fn();
  }

  get(key: NoticeKey): readonly Seg[] | undefined {
    return this.lines.get(key);
  }

  /** every line set, joined into one status line (the recording's error first: it stays) */
  segs(): Seg[] | undefined {
    const order: NoticeKey[] = ['record', 'viewerCapture'];
    const out: Seg[] = [];
    for (const k of order) {
      const l = this.lines.get(k);
      if (!l) continue;
      if (out.length) out.push({ text: ' · ', tone: 'dim' });
      out.push(...l);
    }
    return out.length ? out : undefined;
  }

  readonly subscribe = (fn: () => void): (() => void) => {
    this.fns.add(fn);
    return () => void this.fns.delete(fn);
  };

  readonly version = (): number => this.v;
}
