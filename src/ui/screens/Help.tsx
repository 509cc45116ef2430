/**
 * The help overlay of a view, rendered from the key table (keys.ts): what is bound is what is
 * shown. The title line (how to close it) always stays on top; on a small terminal the rest
 * scrolls (↑↓ PgUp PgDn) with a line saying where it is.
 */
import type { Mark } from '../../state/types.js';
import { bold } from '../ansi.js';
import { markText } from '../chrome.js';
import { clipSegs, type Seg } from '../columns.js';
import { Lines } from '../components/Lines.js';
import { besideEachOther } from '../detail.js';
import { fit } from '../format.js';
import { helpSections, type HelpSection, SCOPE_TITLES, type ViewId } from '../keys.js';

export interface HelpProps {
  readonly view: ViewId;
  readonly readonly: boolean;
  readonly width: number;
  readonly rows: number;
  /** first body line shown */
  readonly offset: number;
  readonly logPath?: string;
  /** the session's marks: the last ones are listed under the keys */
  readonly marks?: readonly Mark[];
  /** a replay: its keys are listed, live-only ones marked refused */
  readonly replay?: boolean;
}

/** marks listed in the help at most (the newest) */
export const HELP_MARKS = 12;

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
    const keyW = Math.min(18, Math.max(...s.rows.map((r) => r.keys.length)) + 3);
    return [bold([{ text: s.title }]), ...s.rows.map((r) => [{ text: fit(`  ${r.keys}`, keyW), tone: 'accent' as const }, { text: ` ${r.help}` }])];
  });
}

export function helpTitle(view: ViewId, readonly: boolean): Seg[] {
  const where = view === 'filter' ? SCOPE_TITLES.prompt.split(' (')[0] : view === 'capturePrompt' ? 'Capture filter prompt' : SCOPE_TITLES[view].split(' (')[0];
  return [{ text: `netwatch keys: ${where} · ? or esc closes${readonly ? ' · read-only: actions that change a node are refused' : ''}`, tone: 'accent', bold: true }];
}

/** everything below the title, unscrolled */
export function helpBody({ view, readonly, width, logPath, marks, replay }: Pick<HelpProps, 'view' | 'readonly' | 'width' | 'logPath' | 'marks' | 'replay'>): Seg[][] {
  const sections = helpSections(view, { readonly, replay });
  let body: Seg[][];
  if (width >= 76 && sections.length > 1) {
    const [a, b] = splitBalanced(sections).map(sectionLines);
    const colW = Math.floor((width - 2) / 2);
    body = besideEachOther([{ lines: a!, width: colW }, { lines: b!, width: colW }], Math.max(a!.length, b!.length));
  } else body = sectionLines(sections);
  if (view === 'overview' || view === 'detail' || view === 'filter') body.push([{ text: 'filter: press / and type; enter keeps the filter, esc clears it', tone: 'dim' }]);
  if (logPath) body.push([{ text: `log: ${logPath}`, tone: 'dim' }]);
  if (marks?.length) {
    const shown = marks.slice(-HELP_MARKS);
    body.push(bold([{ text: `Marks (m adds one)${marks.length > shown.length ? `: the last ${shown.length} of ${marks.length}` : ''}` }]));
    for (const m of shown) body.push(clipSegs([{ text: `  ${markText(m)}`, tone: 'accent' }], width));
  }
  return body;
}

/** how many body lines fit under the title (one spare line, one for the scroll position), and the last offset */
export function helpPage(view: ViewId, o: { readonly: boolean; width: number; rows: number; logPath?: string; marks?: readonly Mark[]; replay?: boolean }): { rows: number; max: number; total: number } {
  const total = helpBody({ view, ...o }).length;
  const fitAll = Math.max(1, o.rows - 2);
  if (total <= fitAll) return { rows: fitAll, max: 0, total };
  const rows = Math.max(1, o.rows - 3);
  return { rows, max: Math.max(0, total - rows), total };
}

export function helpLines(props: HelpProps): Seg[][] {
  const body = helpBody(props);
  const page = helpPage(props.view, props);
  const title = helpTitle(props.view, props.readonly);
  if (page.max === 0) return [title, ...body];
  const from = Math.min(props.offset, page.max);
  const shown = body.slice(from, from + page.rows);
  const where: Seg[] = [{ text: `lines ${from + 1}–${from + shown.length} of ${page.total} · ↑↓ PgUp PgDn scroll`, tone: 'dim' }];
  return [title, ...shown, where];
}

export function Help(props: HelpProps) {
  return <Lines lines={helpLines(props)} width={props.width} />;
}
