/**
 * Scrolling and pausing the packet list, as a pure reducer (tested without a terminal).
 *
 * The list follows the newest packet until the user scrolls up; then an anchor (the id of the
 * bottom line shown) keeps the same packets on screen while new ones arrive. Pause freezes the
 * lines themselves (the ring keeps moving underneath).
 */
import type { PacketLine } from '../../sources/capture/source.js';

export interface ScrollState {
  paused: boolean;
  /** lines frozen by pause */
  frozen: readonly PacketLine[] | null;
  /** id of the bottom line shown; null = follow the newest */
  anchor: string | null;
}

export const initialScroll: ScrollState = { paused: false, frozen: null, anchor: null };

export type ScrollAction =
  | { type: 'pause'; lines: readonly PacketLine[] }
  | { type: 'scroll'; lines: readonly PacketLine[]; delta: number; rows: number }
  | { type: 'oldest'; lines: readonly PacketLine[]; rows: number }
  | { type: 'newest' };

/** index of the bottom line for a state over `lines` */
export function bottomIndex(lines: readonly PacketLine[], anchor: string | null): number {
  if (anchor === null) return lines.length - 1;
  const i = lines.findIndex((l) => l.id === anchor);
  // the anchored packet left the ring: stay at the oldest page
  return i >= 0 ? i : Math.min(lines.length - 1, 0);
}

export function scrollReducer(s: ScrollState, a: ScrollAction): ScrollState {
  switch (a.type) {
    case 'pause':
      return s.paused ? { ...s, paused: false, frozen: null } : { ...s, paused: true, frozen: a.lines };
    case 'newest':
      return { ...s, anchor: null };
    case 'oldest': {
      const lines = s.frozen ?? a.lines;
      if (lines.length <= a.rows) return { ...s, anchor: null };
      return { ...s, anchor: lines[Math.min(lines.length - 1, a.rows - 1)]!.id };
    }
    case 'scroll': {
      const lines = s.frozen ?? a.lines;
      if (lines.length === 0) return s;
      const bottom = bottomIndex(lines, s.anchor);
      const lowest = Math.min(lines.length - 1, Math.max(0, a.rows - 1));
      const next = Math.max(lowest, Math.min(lines.length - 1, bottom + a.delta));
      return { ...s, anchor: next >= lines.length - 1 ? null : lines[next]!.id };
    }
  }
}

/** the lines to show: at most `rows`, ending at the anchor (or the newest) */
export function visibleLines(
  s: ScrollState,
  live: readonly PacketLine[],
  rows: number,
): { lines: readonly PacketLine[]; from: number; to: number; total: number; following: boolean } {
  const all = s.frozen ?? live;
  const bottom = bottomIndex(all, s.anchor);
  const end = Math.max(0, bottom + 1);
  const start = Math.max(0, end - Math.max(0, rows));
  return { lines: all.slice(start, end), from: start + 1, to: end, total: all.length, following: s.anchor === null && !s.paused };
}
