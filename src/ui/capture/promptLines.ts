/**
 * The capture prompt's lines (pure): what will be captured, the filter typed so far, the snap
 * length, tcpdump's refusal. The owner's capture screen and an attached viewer's (cli/attach.tsx)
 * draw the same prompt; this module stays light (no capture view) for the viewer's start.
 */
import type { Seg } from '../columns.js';
import { footerHint } from '../keys.js';
import { type CaptureRoute, SNAPLENS } from '../nav.js';

export interface PromptSpec {
  readonly title: string;
  readonly where: readonly string[];
  readonly exclusion?: string;
  readonly defaultSnaplen: number;
  readonly prompt: CaptureRoute;
}

export const snaplenText = (n: number): string => (n === 0 ? 'whole packet' : `${n} bytes`);

export function snaplenOf(prompt: CaptureRoute, fallback: number): number {
  return SNAPLENS[prompt.snap] ?? fallback;
}

export function promptLines(p: PromptSpec): Seg[][] {
  const { prompt } = p;
  const snap = snaplenOf(prompt, p.defaultSnaplen);
  const choices = [p.defaultSnaplen, ...SNAPLENS.filter((n): n is number => n !== undefined && n !== p.defaultSnaplen)];
  const lines: Seg[][] = [
    [{ text: `Capture: ${p.title}`, tone: 'accent', bold: true }],
    [],
    ...p.where.map((w): Seg[] => [{ text: w }]),
    [{ text: 'filter: ' }, prompt.filter.trim() ? { text: prompt.filter.trim(), tone: 'accent' } : { text: 'everything (no filter)', tone: 'dim' }],
  ];
  if (p.exclusion) lines.push([{ text: p.exclusion, tone: 'dim' }]);
  lines.push(
    [{ text: 'snap length: ' }, { text: snaplenText(snap), tone: 'accent' }, { text: `  (tab: ${choices.map(snaplenText).join(' / ')})`, tone: 'dim' }],
    [],
    [{ text: 'tcpdump filter (empty: everything), e.g. ' }, { text: 'tcp port 443', tone: 'dim' }],
    [{ text: '> ' }, { text: prompt.filter }, { text: '_', tone: 'accent' }],
  );
  if (prompt.error) lines.push(...prompt.error.split('\n').slice(0, 6).map((l): Seg[] => [{ text: l, tone: 'bad' }]));
  lines.push([], [{ text: footerHint(['capturePrompt'], { readonly: false }), tone: 'dim' }]);
  return lines;
}

