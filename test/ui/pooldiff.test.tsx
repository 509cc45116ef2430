/**
 * The pool differences view (D in the overview): per fact the majority with its count and the odd
 * nodes with their values, drawn with hostile node names, pool names and values (a node's sysctl
 * text and an API label can hold anything): nothing raw reaches the frame, lines fit, keys work.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { cleanup } from 'ink-testing-library';
import type { Difference } from '../../src/state/outliers.js';
import { App } from '../../src/ui/App.js';
import { helpSections } from '../../src/ui/keys.js';
import { bridgeNode, NOW, testStore } from './fixtures.js';
import { expectClean, HOSTILE as H, shown } from './hostile.js';
import { KEY, renderSized } from './render.js';

afterEach(() => cleanup());

/** the raw frame once `ok` holds for it (renders are asynchronous; a loaded machine is slow) */
async function until(ui: { lastFrame: () => string | undefined }, ok: (f: string) => boolean, ms = 5000): Promise<string | undefined> {
  const end = Date.now() + ms;
  for (;;) {
    const f = ui.lastFrame() ?? '';
    if (ok(f) || Date.now() > end) return f;
    await new Promise((r) => setTimeout(r, 20));
  }
}

const ODD = `cl-a2${H.osc}`;

function diffs(): Difference[] {
  return [
    { pool: `pool${H.bidi}`, fact: 'sysctl:net.ipv4.ip_forward', label: 'ip_forward', numeric: false, nodes: 10, majority: { value: '1', count: 9 }, outliers: [{ node: ODD, value: `0${H.clear}` }] },
    { pool: `pool${H.bidi}`, fact: 'kube-svc-chains', label: 'KUBE-SVC-* chains', numeric: true, nodes: 10, majority: { value: 120, count: 9 }, outliers: [{ node: `n${H.c1}`, value: 12 }] },
    { pool: null, fact: 'os', label: 'OS', numeric: false, nodes: 3, majority: { value: `Debian${H.c0}`, count: 2 }, outliers: [{ node: `x${H.link}`, value: `Ubuntu${H.iso}` }] },
  ];
}

function store() {
  const odd = bridgeNode(ODD);
  odd.problems = [{ severity: 'warn', code: 'pool-outlier', subject: 'sysctl:net.ipv4.ip_forward', message: `ip_forward 0 on ${ODD}; 1 on the other 9 nodes of pool${H.bidi}` }];
  return testStore([bridgeNode('cl-a1'), odd], { differences: diffs() });
}

describe('pool differences view', () => {
  it('lists each fact with its majority and odd nodes, hostile strings shown escaped, at 160 and 80 columns', async () => {
    for (const [w, h] of [
      [160, 40],
      [80, 24],
    ] as const) {
      const ui = await renderSized(<App store={store()} now={() => NOW} />, w, h);
      await ui.press('D');
      const f = expectClean(await until(ui, (x) => x.includes('differences 1–3')), `pool ${w}`);
      for (const l of f.split('\n')) expect(l.length, l).toBeLessThanOrEqual(w);
      expect(f).toContain('pool differences');
      expect(f).toMatch(/POOL\s+FACT\s+MAJORITY\s+ODD NODES/);
      expect(f).toContain('ip_forward');
      expect(f).toContain('1 on 9/10');
      expect(f).toContain('120 on 9/10 ±10%');
      expect(f).toContain('(no pool)');
      if (w === 160) {
        expect(f).toContain(`${shown('osc')} 0${shown('clear')}`);
        expect(f).toContain(shown('bidi'));
        expect(f).toContain(`n${shown('c1')} 12`);
        expect(f).toContain(`x${shown('link')} Ubuntu${shown('iso')}`);
      }
      expect(f).toContain('differences 1–3 of 3');
      ui.unmount();
    }
  });

  it('enter opens the first odd node on its checks, with its pool-outlier problem; esc goes back; / filters', async () => {
    const ui = await renderSized(<App store={store()} now={() => NOW} />, 160, 40);
    await ui.press('D');
    await until(ui, (x) => x.includes('differences 1–3'));
    await ui.press('/');
    await ui.press('chains');
    await ui.press(KEY.enter);
    let f = expectClean(await until(ui, (x) => x.includes('(3 unfiltered)') && !x.includes('enter keeps')), 'filtered');
    expect(f).toContain('differences 1–1 of 1 (3 unfiltered)');
    expect(f).not.toContain('ip_forward');
    await ui.press(KEY.esc);
    f = expectClean(await until(ui, (x) => x.includes('differences 1–3 of 3')), 'unfiltered');
    expect(f).toContain('differences 1–3 of 3');
    await ui.press(KEY.enter);
    f = expectClean(await until(ui, (x) => x.includes('[checks')), 'checks');
    expect(f).toContain('[checks');
    expect(f).toContain(`ip_forward 0 on cl-a2${shown('osc')}; 1 on the other 9 nodes of pool${shown('bidi')}`);
    await ui.press(KEY.esc);
    f = expectClean(await until(ui, (x) => x.includes('D pool diff')), 'back');
    expect(f).toContain('cl-a1');
    expect(f).toContain('D pool diff');
    ui.unmount();
  });

  it('says when there is no difference, and D and the view are in the help', async () => {
    const ui = await renderSized(<App store={testStore([bridgeNode('a')])} now={() => NOW} />, 120, 30);
    await ui.press('D');
    expect(expectClean(await until(ui, (x) => x.includes('no differences')), 'empty')).toContain('no differences');
    await ui.press('?');
    expect(expectClean(await until(ui, (x) => x.includes('netwatch keys')), 'help')).toContain("open the difference's first odd node");
    ui.unmount();
    expect(helpSections('overview', { readonly: false }).flatMap((s) => s.rows).find((r) => r.keys === 'D')!.help).toMatch(/pool differences/);
  });
});
