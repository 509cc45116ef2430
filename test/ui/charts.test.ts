import { describe, expect, it } from 'vitest';
import { brailleChart, resample, sparkline } from '../../src/ui/charts.js';

describe('resample', () => {
  it('keeps values when they fit and keeps the max of each bucket otherwise', () => {
    expect(resample([1, 2, 3], 5)).toEqual([1, 2, 3]);
    expect(resample([1, 9, 2, 3, 4, 0], 3)).toEqual([9, 3, 4]);
    expect(resample([1, 2], 0)).toEqual([]);
  });
});

describe('sparkline', () => {
  it('maps a fixed 0–100 scale to block heights, newest on the right', () => {
    expect(sparkline([0, 50, 100], 3, { min: 0, max: 100 })).toBe('▁▅█');
  });
  it('right-aligns fewer values than cells and is always exactly width wide', () => {
    const s = sparkline([10, 20], 6, { min: 0, max: 100 });
    expect(s).toHaveLength(6);
    expect(s.startsWith('    ')).toBe(true);
    expect(sparkline([], 4)).toBe('    ');
  });
  it('clamps values outside the scale and keeps spikes when resampling', () => {
    expect(sparkline([150, -5], 2, { min: 0, max: 100 })).toBe('█▁');
    const hist = Array.from({ length: 120 }, (_, i) => (i === 61 ? 100 : 0));
    expect(sparkline(hist, 10, { min: 0, max: 100 })).toContain('█');
  });
});

describe('brailleChart', () => {
  it('returns height lines of exactly width braille-or-space cells', () => {
    const lines = brailleChart([1, 2, 3, 4, 5, 6, 5, 4, 3, 2, 1, 0], 8, 3);
    expect(lines).toHaveLength(3);
    for (const l of lines) {
      expect(l).toHaveLength(8);
      expect(l).toMatch(/^[\u2800-\u28ff ]+$/);
    }
    // no color escapes left from the canvas
    expect(lines.join('')).not.toContain('\u001b');
  });
  it('draws a rising line from bottom-left to top-right', () => {
    const lines = brailleChart([0, 1, 2, 3, 4, 5, 6, 7], 4, 2, { min: 0, max: 7 });
    // 8 values fill the 8 dot columns: the top row is empty on the left, the bottom row on the right
    expect(lines[0]![0]).toBe(' ');
    expect(lines[0]![3]).not.toBe(' ');
    expect(lines[1]![0]).not.toBe(' ');
    expect(lines[1]![3]).toBe(' ');
  });
  it('right-aligns short histories and draws a single value as a dot', () => {
    const lines = brailleChart([5], 4, 2);
    expect(lines.join('').trim()).toHaveLength(1);
    expect(lines.join('').replace(/ /g, '')).toMatch(/^[\u2801-\u28ff]$/);
    expect(lines.some((l) => l[3] !== ' ')).toBe(true);
  });
  it('is blank without values', () => {
    expect(brailleChart([], 3, 2)).toEqual(['   ', '   ']);
  });
});
