/** --once output with hostile strings: text and JSON carry nothing a terminal would act on. */
import { describe, expect, it } from 'vitest';
import { jsonReport, safeJson, textReport } from '../../src/cli/report.js';
import { appState, bridgeNode, NOW } from '../ui/fixtures.js';
import { expectClean, HOSTILE as H } from '../ui/hostile.js';

describe('--once with hostile strings', () => {
  const st = appState([
    bridgeNode(`n${H.osc}`, { status: { kind: 'failed', since: NOW, reason: `auth ${H.clear}${H.c1}${H.bidi}` } }),
    { ...bridgeNode(`m${H.iso}`), problems: [{ severity: 'crit', code: 'x', message: `MTU ${H.link}${H.c0}` }] },
  ]);

  it('text: every cell on one line, controls shown as escapes', () => {
    const t = expectClean(textReport(st), 'text report');
    // the table (head + 2 nodes), then a count line per sampled node with checks that cannot tell
    const lines = t.split('\n');
    expect(lines.filter((l) => !/ check\(s\) cannot tell \(/.test(l))).toHaveLength(3);
    expect(lines.length).toBeLessThanOrEqual(5);
    expect(t).toContain('n\\x1b]0;pwned\\x07');
    expect(t).toContain('auth \\x1b[2J\\x9b31mab\\u202ecd');
    expect(t).toContain('MTU \\x1b]8;;http://x/\\x1b\\a\\x7f\\x08 b c d');
  });

  it('JSON: the same values when parsed; C1, DEL and bidi written as \\u escapes like C0', () => {
    const j = jsonReport(st, {}, NOW);
    expectClean(j, 'json report');
    const back = JSON.parse(j);
    expect(back.nodes[0].node).toBe(`n${H.osc}`);
    expect(back.nodes[0].error).toBe(`auth ${H.clear}${H.c1}${H.bidi}`);
    expect(back.nodes[1].problems[0].message).toBe(`MTU ${H.link}${H.c0}`);
    expect(j).toContain('\\u009b31m');
    expect(j).toContain('\\u202e');
    const v = { s: `a\u0085b\u2028c\ufeffd${H.iso}`, n: [1, 'x'] };
    expect(JSON.parse(safeJson(v))).toEqual(v);
    expect(safeJson(v, 2)).toBe(JSON.stringify(v, null, 2).replace('\u0085', '\\u0085').replace('\u2028', '\\u2028').replace('\ufeff', '\\ufeff').replace('\u2066', '\\u2066').replace('\u2028', '\\u2028'));
  });
});
