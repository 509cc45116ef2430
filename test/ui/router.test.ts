import { describe, expect, it } from 'vitest';
import { parseKeys, type KeyEvent } from '../../src/ui/input/keypress.js';
import { ViewKeyRouter } from '../../src/ui/input/router.js';
import { resolveKey, VIEW_SCOPES, type Command } from '../../src/ui/keys.js';

function setup() {
  const seen: string[] = [];
  const r: ViewKeyRouter = new ViewKeyRouter((ev) => r.deliver(ev, (v) => resolveKey(ev, VIEW_SCOPES[v])));
  const send = (s: string) => parseKeys(s).forEach((ev: KeyEvent) => r.deliver(ev, (v) => resolveKey(ev, VIEW_SCOPES[v])));
  return { r, seen, send };
}

describe('view key router', () => {
  it('queues keys for a view that is not mounted yet and delivers them in order when it registers', () => {
    const { r, seen, send } = setup();
    send('jj k');
    expect(r.pending()).toBe(4);
    r.register({ view: () => 'capture', onCommand: (c: Command) => void seen.push(c) });
    expect(seen).toEqual(['down', 'down', 'pause', 'up']);
    expect(r.pending()).toBe(0);
  });

  it('a view may leave keys for the one that replaces it (a loading screen)', () => {
    const { r, seen, send } = setup();
    const off = r.register({ view: () => 'processes', onCommand: (c) => (c === 'close' ? void seen.push('loading:close') : false) });
    send('jjG');
    expect(seen).toEqual([]);
    expect(r.pending()).toBe(3);
    r.register({ view: () => 'processes', onCommand: (c) => void seen.push(`list:${c}`) });
    off();
    expect(seen).toEqual(['list:down', 'list:down', 'list:bottom']);
  });

  it('clear drops what waited for a view that was left', () => {
    const { r, seen, send } = setup();
    send('jj');
    r.clear();
    r.register({ view: () => 'capture', onCommand: (c) => void seen.push(c) });
    expect(seen).toEqual([]);
  });
});
