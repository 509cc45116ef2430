import { describe, expect, it } from 'vitest';
import { captureRoute, clampList, followKey, initialUi, matchesFilter, moveList, uiReducer, type UiAction, type UiState } from '../../src/ui/nav.js';

const run = (actions: UiAction[], from: UiState = initialUi) => actions.reduce(uiReducer, from);

describe('list moves', () => {
  it('moves and clamps at the ends', () => {
    let s = moveList(undefined, 'up', 5, 3);
    expect(s).toEqual({ cursor: 0, offset: 0 });
    s = moveList(s, 'down', 5, 3);
    s = moveList(s, 'down', 5, 3);
    s = moveList(s, 'down', 5, 3);
    // the window follows the cursor
    expect(s).toEqual({ cursor: 3, offset: 1 });
    s = moveList(s, 'bottom', 5, 3);
    expect(s).toEqual({ cursor: 4, offset: 2 });
    expect(moveList(s, 'down', 5, 3)).toEqual({ cursor: 4, offset: 2 });
    expect(moveList(s, 'top', 5, 3)).toEqual({ cursor: 0, offset: 0 });
  });
  it('pages by a page', () => {
    let s = moveList(undefined, 'pageDown', 60, 20);
    expect(s).toEqual({ cursor: 20, offset: 20 });
    s = moveList(s, 'pageDown', 60, 20);
    s = moveList(s, 'pageDown', 60, 20);
    expect(s).toEqual({ cursor: 59, offset: 40 });
    expect(moveList(s, 'pageUp', 60, 20)).toEqual({ cursor: 39, offset: 20 });
  });
  it('re-clamps when the list shrinks or the terminal gets shorter', () => {
    expect(clampList({ cursor: 9, offset: 5 }, 4, 3)).toEqual({ cursor: 3, offset: 1 });
    expect(clampList({ cursor: 9, offset: 0 }, 20, 5)).toEqual({ cursor: 9, offset: 5 });
    expect(clampList({ cursor: 2, offset: 1 }, 0, 5)).toEqual({ cursor: 0, offset: 0 });
    const same = { cursor: 1, offset: 0 };
    expect(clampList(same, 5, 3)).toBe(same);
  });
});

describe('selection follows its row', () => {
  it('keeps the selected key when rows are added or removed before it', () => {
    const s = run([{ type: 'move', move: 'down', keys: ['a', 'b', 'c'], page: 10 }]);
    expect(s.lists.overview).toMatchObject({ cursor: 1, key: 'b' });
    // 'a' left: 'b' is now first
    expect(followKey(s.lists.overview, ['b', 'c'])).toMatchObject({ cursor: 0, key: 'b' });
    // a move starts from where 'b' is now
    const t = run([{ type: 'move', move: 'down', keys: ['x', 'y', 'a', 'b', 'c'], page: 10 }], s);
    expect(t.lists.overview).toMatchObject({ cursor: 4, key: 'c' });
    // a row that is gone leaves the cursor where it was
    expect(followKey(s.lists.overview, ['x', 'y', 'z'])).toMatchObject({ cursor: 1 });
  });
});

describe('routes', () => {
  it('opens a node, cycles panes both ways, and esc returns to the overview keeping its row', () => {
    let s = run([{ type: 'move', move: 'down', keys: ['a', 'b', 'c'], page: 10 }, { type: 'open', node: 'b' }]);
    expect(s.route).toEqual({ kind: 'detail', node: 'b', pane: 'interfaces' });
    s = run([{ type: 'cyclePane', dir: 1 }], s);
    expect(s.route).toMatchObject({ pane: 'pods' });
    s = run([{ type: 'cyclePane', dir: -1 }, { type: 'cyclePane', dir: -1 }], s);
    expect(s.route).toMatchObject({ pane: 'checks' });
    s = run([{ type: 'back' }], s);
    expect(s.route).toEqual({ kind: 'overview' });
    expect(s.lists.overview).toEqual({ cursor: 1, offset: 0, key: 'b' });
  });
  it('forgets the detail lists when another node is opened', () => {
    const s = run([{ type: 'open', node: 'a' }, { type: 'move', move: 'down', keys: ['1', '2', '3', '4', '5'], page: 5 }, { type: 'back' }, { type: 'open', node: 'b' }]);
    expect(s.lists['detail:interfaces']).toBeUndefined();
  });
  it('shows a capture view and closes back to where it came from; help overlays and esc closes it first', () => {
    const back = { kind: 'detail' as const, node: 'a', pane: 'pods' as const };
    let s = run([{ type: 'open', node: 'a', pane: 'pods' }, { type: 'show', route: captureRoute({ kind: 'node', node: 'a' }, back) }]);
    expect(s.route.kind).toBe('capture');
    s = run([{ type: 'close' }], s);
    expect(s.route).toEqual(back);
    s = run([{ type: 'help' }, { type: 'back' }], s);
    expect(s.help).toBe(false);
    expect(s.route).toEqual(back);
  });
});

describe('filter', () => {
  it('types into the current list, resets its cursor, enter keeps, esc clears', () => {
    let s = run([{ type: 'move', move: 'down', keys: ['1', '2', '3', '4', '5'], page: 5 }, { type: 'filterStart' }, { type: 'filterType', text: 'no' }, { type: 'filterType', text: 'de-x' }]);
    expect(s.filters.overview).toBe('node-x');
    expect(s.lists.overview).toEqual({ cursor: 0, offset: 0 });
    s = run([{ type: 'filterBackspace' }, { type: 'filterDone' }], s);
    expect(s.filters.overview).toBe('node-');
    expect(s.editing).toBeUndefined();
    // typing no longer edits once kept
    expect(run([{ type: 'filterType', text: 'z' }], s).filters.overview).toBe('node-');
    // esc on a kept filter clears it; a second esc in the overview does nothing
    s = run([{ type: 'back' }], s);
    expect(s.filters.overview).toBe('');
    expect(run([{ type: 'back' }], s)).toBe(s);
  });
  it('esc while typing clears the filter', () => {
    const s = run([{ type: 'filterStart' }, { type: 'filterType', text: 'abc' }, { type: 'back' }]);
    expect(s.filters.overview).toBe('');
    expect(s.editing).toBeUndefined();
  });
  it('the capture prompt takes text, erases, cycles the snap length, starts with what was typed, and comes back on a refusal', () => {
    let s = run([{ type: 'show', route: captureRoute({ kind: 'node', node: 'a' }, { kind: 'overview' }) }]);
    s = run([{ type: 'filterType', text: 'tcp port 8080x' }, { type: 'filterBackspace' }, { type: 'snaplen' }, { type: 'snaplen' }, { type: 'captureStart' }], s);
    expect(s.route).toMatchObject({ kind: 'capture', phase: 'running', filter: 'tcp port 8080', snap: 2, run: 1 });
    // typing goes nowhere while it runs
    expect(run([{ type: 'filterType', text: 'z' }], s)).toBe(s);
    s = run([{ type: 'captureRejected', message: 'syntax error' }], s);
    expect(s.route).toMatchObject({ phase: 'prompt', filter: 'tcp port 8080', error: 'syntax error' });
    s = run([{ type: 'filterClear' }, { type: 'captureStart' }], s);
    expect(s.route).toMatchObject({ phase: 'running', filter: '', run: 2 });
    expect(run([{ type: 'close' }], s).route).toEqual({ kind: 'overview' });
  });
  it('matches every word, case-insensitively', () => {
    expect(matchesFilter('NODE fail', 'node-c failed: auth')).toBe(true);
    expect(matchesFilter('node live', 'node-c failed: auth')).toBe(false);
    expect(matchesFilter('', 'x')).toBe(true);
  });
});
