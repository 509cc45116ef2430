/** The help overlay, rendered from the key table (keys.ts): what is bound is what is shown. */
import { bold } from '../ansi.js';
import type { Seg } from '../columns.js';
import { Lines } from '../components/Lines.js';
import { besideEachOther } from '../detail.js';
import { fit } from '../format.js';
import { helpSections, type HelpSection } from '../keys.js';

export interface HelpProps {
  readonly readonly: boolean;
  readonly width: number;
  readonly logPath?: string;
}

/** sections in order into two columns of about the same number of lines */
export function splitBalanced(sections: readonly HelpSection[]): [HelpSection[], HelpSection[]] {
  const lines = (s: HelpSection) => s.rows.length + 1;
  const total = sections.reduce((a, s) => a + lines(s), 0);
  const left: HelpSection[] = [];
  let n = 0;
  for (const s of sections) {
    if (n > 0 && n + lines(s) / 2 > total / 2) break;
    left.push(s);
    n += lines(s);
  }
  return [left, sections.slice(left.length)];
}

function sectionLines(sections: readonly HelpSection[]): Seg[][] {
  return sections.flatMap((s) => {
    const keyW = Math.min(16, Math.max(...s.rows.map((r) => r.keys.length)) + 3);
    return [bold([{ text: s.title }]), ...s.rows.map((r) => [{ text: fit(`  ${r.keys}`, keyW), tone: 'accent' as const }, { text: ` ${r.help}` }])];
  });
}

export function helpLines({ readonly, width, logPath }: HelpProps): Seg[][] {
  const sections = helpSections({ readonly });
  const title: Seg[] = [{ text: `netwatch keys${readonly ? ' (read-only: actions that change a node are off)' : ''} · ? or esc closes`, tone: 'accent', bold: true }];
  // two columns of sections (balanced by lines) so the overlay fits 24 rows
  let body: Seg[][];
  if (width >= 76) {
    const [a, b] = splitBalanced(sections).map(sectionLines);
    const colW = Math.floor((width - 2) / 2);
    body = besideEachOther([{ lines: a!, width: colW }, { lines: b!, width: colW }], Math.max(a!.length, b!.length));
  } else body = sectionLines(sections);
  const foot: Seg[][] = [[{ text: 'filter: press / and type; enter keeps the filter, esc clears it', tone: 'dim' }]];
  if (logPath) foot.push([{ text: `log: ${logPath}`, tone: 'dim' }]);
  return [title, ...body, ...foot];
}

export function Help(props: HelpProps) {
  return <Lines lines={helpLines(props)} width={props.width} />;
}
