/** Moving the selection among the process rows. Pure (tested without a terminal). */
import type { Command } from '../keys.js';

type ProcessCommand = Extract<Command, 'up' | 'down' | 'top' | 'bottom' | 'pageUp' | 'pageDown'>;

/** new position in a list of `count` selectable rows; `page` = rows on screen */
export function moveSelection(pos: number, count: number, cmd: ProcessCommand | Command, page: number): number {
  if (count <= 0) return -1;
  const cur = pos < 0 ? 0 : pos;
  const step = Math.max(1, Math.floor(page / 2));
  const next =
    cmd === 'up' ? cur - 1
    : cmd === 'down' ? cur + 1
    : cmd === 'top' ? 0
    : cmd === 'bottom' ? count - 1
    : cmd === 'pageUp' ? cur - step
    : cmd === 'pageDown' ? cur + step
    : cur;
  return Math.max(0, Math.min(count - 1, next));
}
