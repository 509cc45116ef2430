/**
 * One terminal line of colored segments, clipped to a width. The capture view keeps its text
 * ASCII (">" not "→", "~" for a cut): Ink measures every line with string-width on each frame,
 * and non-ASCII text takes a much slower path (src/ui/components/Lines.tsx), which matters while
 * packets arrive at thousands per second.
 */
import { Text } from 'ink';
import { memo } from 'react';

export type Tone = 'ok' | 'warn' | 'bad' | 'dim' | 'accent';

export interface Seg {
  text: string;
  tone?: Tone;
}

export const TONE_COLOR: Record<Tone, string> = { ok: 'green', warn: 'yellow', bad: 'red', dim: 'gray', accent: 'cyan' };

export function segsText(segs: readonly Seg[]): string {
  return segs.map((s) => s.text).join('');
}

/** cuts a line of segments to `width` columns, marking a cut with "~" */
export function clip(segs: readonly Seg[], width: number): Seg[] {
  const kept = segs.filter((s) => s.text);
  if (kept.reduce((a, s) => a + s.text.length, 0) <= width) return kept;
  const out: Seg[] = [];
  let room = Math.max(0, width - 1);
  for (const s of kept) {
    if (room <= 0) break;
    const text = s.text.slice(0, room);
    out.push(s.tone ? { text, tone: s.tone } : { text });
    room -= text.length;
  }
  if (width > 0) out.push({ text: '~', tone: 'dim' });
  return out;
}

function same(a: SegLineProps, b: SegLineProps): boolean {
  if (a.bold !== b.bold || a.segs.length !== b.segs.length) return false;
  return a.segs.every((s, i) => s.text === b.segs[i]!.text && s.tone === b.segs[i]!.tone);
}

export interface SegLineProps {
  readonly segs: readonly Seg[];
  readonly bold?: boolean;
}

export const SegLine = memo(function SegLine({ segs, bold }: SegLineProps) {
  return (
    <Text bold={bold} wrap="truncate-end">
      {segs.length === 0
        ? ' '
        : segs.map((s, i) =>
            s.tone ? (
              <Text key={i} color={TONE_COLOR[s.tone]}>
                {s.text}
              </Text>
            ) : (
              s.text
            ),
          )}
    </Text>
  );
}, same);
