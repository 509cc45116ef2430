/**
 * Small charts drawn into strings, for Ink to print as text. Pure: (values, width, height) ->
 * lines. Two kinds (why each is used where: docs/ui-charts.md):
 *  - sparkline: one row of block characters ▁▂▃▄▅▆▇█, one value per cell;
 *  - braille line chart: blessed-contrib's drawille canvas (2×4 dots per cell), ≥ 2 rows.
 * Ink owns the terminal: no blessed screen is ever created, only the canvas that draws dots.
 */
import { createRequire } from 'node:module';

const BLOCKS = '▁▂▃▄▅▆▇█';

export interface Scale {
  min?: number;
  max?: number;
}

/** the last `n` slots of values: when there are more values than slots, each slot keeps the max of its bucket (spikes survive) */
export function resample(values: readonly number[], n: number): number[] {
  if (n <= 0) return [];
  if (values.length <= n) return values.slice();
  const out: number[] = [];
  const per = values.length / n;
  for (let i = 0; i < n; i++) {
    const from = Math.floor(i * per);
    const to = Math.max(from + 1, Math.floor((i + 1) * per));
    let m = -Infinity;
    for (let j = from; j < to; j++) m = Math.max(m, values[j]!);
    out.push(m);
  }
  return out;
}

function range(values: readonly number[], scale: Scale): [number, number] {
  const min = scale.min ?? Math.min(0, ...values);
  let max = scale.max ?? Math.max(...values);
  if (!(max > min)) max = min + 1;
  return [min, max];
}

/**
 * One row, `width` cells, newest value on the right; fewer values than cells are right-aligned
 * (empty cells on the left = no data yet). A value at the bottom of the scale still shows ▁, so
 * "zero" and "no data" differ.
 */
export function sparkline(values: readonly number[], width: number, scale: Scale = {}): string {
  if (width <= 0) return '';
  const vals = resample(values.filter(Number.isFinite), width);
  if (vals.length === 0) return ' '.repeat(width);
  const [min, max] = range(vals, scale);
  let s = '';
  for (const v of vals) {
    const f = (Math.min(Math.max(v, min), max) - min) / (max - min);
    s += BLOCKS[Math.min(BLOCKS.length - 1, Math.round(f * (BLOCKS.length - 1)))];
  }
  return s.padStart(width);
}

interface DrawilleContext {
  strokeStyle: string;
  beginPath(): void;
  moveTo(x: number, y: number): void;
  lineTo(x: number, y: number): void;
  stroke(): void;
  readonly _canvas: { frame(delimiter?: string): string };
}
type ContextCtor = new (width: number, height: number) => DrawilleContext;

let ContextClass: ContextCtor | undefined;

/** blessed-contrib's canvas, resolved from blessed-contrib itself so it works hoisted or nested */
function drawille(): ContextCtor {
  if (!ContextClass) {
    const req = createRequire(import.meta.url);
    const fromContrib = createRequire(req.resolve('blessed-contrib'));
    ContextClass = fromContrib('drawille-canvas-blessed-contrib') as ContextCtor;
  }
  return ContextClass;
}

// eslint-disable-next-line no-control-regex
const SGR = /\u001b\[[0-9;]*m/g;

/**
 * A line chart `width` cells × `height` rows (height ≥ 1; useful from 2). One dot column per
 * value, newest on the right; more values than dot columns are resampled by bucket max. Returns
 * exactly `height` strings of exactly `width` characters (braille, or spaces where nothing is
 * drawn), uncolored: colors are the caller's.
 */
export function brailleChart(values: readonly number[], width: number, height: number, scale: Scale = {}): string[] {
  if (width <= 0 || height <= 0) return [];
  const pxW = width * 2;
  const pxH = height * 4;
  const vals = resample(values.filter(Number.isFinite), pxW);
  const blank = Array.from({ length: height }, () => ' '.repeat(width));
  if (vals.length === 0) return blank;
  const [min, max] = range(vals, scale);
  const Ctx = drawille();
  const ctx = new Ctx(pxW, pxH);
  ctx.strokeStyle = 'normal';
  const x0 = pxW - vals.length;
  const y = (v: number) => {
    const f = (Math.min(Math.max(v, min), max) - min) / (max - min);
    return pxH - 1 - Math.round(f * (pxH - 1));
  };
  ctx.beginPath();
  ctx.moveTo(x0, y(vals[0]!));
  // a single value still gets a dot
  ctx.lineTo(x0, y(vals[0]!));
  for (let i = 1; i < vals.length; i++) ctx.lineTo(x0 + i, y(vals[i]!));
  ctx.stroke();
  const lines = ctx._canvas.frame('\n').replace(SGR, '').split('\n').slice(0, height);
  return lines.map((l) => l.padEnd(width).slice(0, width));
}
