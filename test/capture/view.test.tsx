import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { render } from 'ink-testing-library';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { CaptureView } from '../../src/ui/capture/CaptureView.js';
import { initialScroll, scrollReducer, visibleLines } from '../../src/ui/capture/scroll.js';
import { trafficSegs } from '../../src/ui/capture/traffic.js';
import { segsText } from '../../src/ui/columns.js';
import { setColor } from '../../src/ui/ansi.js';
import { KeyRoot } from '../../src/ui/input/useKeys.js';
import { helpSections } from '../../src/ui/keys.js';
import type { PacketLine } from '../../src/sources/capture/source.js';
import { ReplaySource } from './replay.js';

const tick = (ms = 30) => new Promise((r) => setTimeout(r, ms));
const UP = '\u001B[A';
const ESC = '\u001B';
const dir = mkdtempSync(join(tmpdir(), 'nwcap-view-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

beforeAll(() => setColor(false));
afterAll(() => setColor(true));

describe('CaptureView', () => {
  it('shows the newest packets, the summary below them on 80×24, and the keys', async () => {
    const src = new ReplaySource('en10mb-mixed');
    src.feed();
    const { lastFrame, unmount } = render(<KeyRoot><CaptureView source={src} width={80} height={24} refreshMs={1} utc /></KeyRoot>);
    const f = lastFrame()!;
    expect(f.split('\n').length).toBeLessThan(24);
    expect(f).toMatch(/^node-a:eth0  capturing/);
    expect(f).toContain('TCP  198.18.200.1:53700 > 198.18.201.1:8081  [R] seq');
    expect(f).toContain('Packets 68');
    expect(f).toMatch(/SYN 5: 3 answered, 1 refused \(RST\), 1 without reply/);
    expect(f).toContain('packets 58-68 of 68 kept');
    expect(f).toContain('space pause · w keep pcap · x stop · esc close');
    for (const line of f.split('\n')) expect(line.length).toBeLessThanOrEqual(80);
    unmount();
  });

  it('shows the filter the node says tcpdump runs with, own SSH exclusion included', () => {
    const src = new ReplaySource('en10mb-mixed');
    src.appliedFilter = 'not (tcp and host 198.18.0.1 and port 40022 and host 198.18.0.11 and port 22)';
    src.feed();
    const { lastFrame, unmount } = render(<KeyRoot><CaptureView source={src} width={100} height={24} refreshMs={1} utc /></KeyRoot>);
    const lines = lastFrame()!.split('\n');
    expect(lines[1]).toBe(`filter on the node: ${src.appliedFilter}`);
    expect(lines.length).toBeLessThan(24);
    unmount();
  });

  it('puts the summary beside the packets on a wide terminal', () => {
    const src = new ReplaySource('en10mb-mixed');
    src.feed();
    const { lastFrame, unmount } = render(<KeyRoot><CaptureView source={src} width={200} height={40} refreshMs={1} utc /></KeyRoot>);
    const row = lastFrame()!.split('\n').find((l) => l.includes('Packets 68'))!;
    expect(row).toMatch(/^\d\d:\d\d:\d\d\.\d{3} .+ Packets 68/);
    expect(lastFrame()).toContain('frag needed, mtu 1400 from 198.18.200.254 for udp > 198.18.201.1:5353');
    unmount();
  });

  it('space pauses the packet list while the summary goes on; space again follows', async () => {
    const src = new ReplaySource('en10mb-mixed');
    src.feed(20);
    const { lastFrame, stdin, unmount } = render(<KeyRoot><CaptureView source={src} width={100} height={24} refreshMs={1} utc /></KeyRoot>);
    await tick();
    stdin.write(' ');
    await tick();
    src.feed();
    await tick();
    let f = lastFrame()!;
    expect(f).toContain('PAUSED');
    expect(f).toContain('Packets 68');
    expect(f).toContain('packets 10-20 of 20 kept');
    stdin.write(' ');
    await tick();
    f = lastFrame()!;
    expect(f).not.toContain('PAUSED');
    expect(f).toContain('packets 58-68 of 68 kept');
    unmount();
  });

  it('scrolls back with ↑ and keeps the same packets while new ones arrive; G follows again', async () => {
    const src = new ReplaySource('en10mb-mixed');
    src.feed(40);
    const { lastFrame, stdin, unmount } = render(<KeyRoot><CaptureView source={src} width={100} height={24} refreshMs={1} utc /></KeyRoot>);
    await tick();
    for (let i = 0; i < 5; i++) stdin.write(UP);
    await tick();
    expect(lastFrame()).toContain('packets 25-35 of 40 kept');
    src.feed();
    await tick();
    expect(lastFrame()).toContain('packets 25-35 of 68 kept');
    expect(lastFrame()).toContain('scrolled (G: follow)');
    stdin.write('G');
    await tick();
    expect(lastFrame()).toContain('packets 58-68 of 68 kept');
    unmount();
  });

  it('w keeps the capture and shows the file and its size; x stops; esc stops and closes', async () => {
    const src = new ReplaySource('en10mb-mixed');
    src.feed();
    let closed = 0;
    const { lastFrame, stdin, unmount } = render(
      <KeyRoot>
        <CaptureView source={src} width={120} height={24} refreshMs={1} keepDir={dir} onClose={() => closed++} />
      </KeyRoot>,
    );
    stdin.write('w');
    await tick(100);
    expect(lastFrame()).toContain(`${join(dir, 'node-a_eth0_replay.pcap')} 6.6 kB`);
    expect(existsSync(join(dir, 'node-a_eth0_replay.pcap'))).toBe(true);
    stdin.write('x');
    await tick();
    expect(src.stops).toBe(1);
    expect(lastFrame()).toMatch(/^node-a:eth0  stopped/);
    stdin.write(ESC);
    await tick();
    expect(closed).toBe(1);
    unmount();
  });

  it('shows tcpdump’s own message when the capture fails', async () => {
    const src = new ReplaySource('en10mb-mixed');
    src.setStatus({ kind: 'error', since: Date.now(), cause: 'rejected', message: "tcpdump: can't parse filter expression: syntax error" });
    const { lastFrame, unmount } = render(<KeyRoot><CaptureView source={src} width={100} height={24} refreshMs={1} /></KeyRoot>);
    expect(lastFrame()).toMatch(/refused by tcpdump\ntcpdump: can't parse filter expression: syntax error/);
    unmount();
  });
});

describe('scroll reducer', () => {
  const lines: PacketLine[] = Array.from({ length: 50 }, (_, i) => ({ id: String(i), packet: { n: i } as PacketLine['packet'] }));

  it('follows, scrolls, clamps at the oldest page, and follows again at the bottom', () => {
    let s = initialScroll;
    expect(visibleLines(s, lines, 10)).toMatchObject({ from: 41, to: 50, following: true });
    s = scrollReducer(s, { type: 'scroll', lines, delta: -15, rows: 10 });
    expect(visibleLines(s, lines, 10)).toMatchObject({ from: 26, to: 35, following: false });
    s = scrollReducer(s, { type: 'scroll', lines, delta: -100, rows: 10 });
    expect(visibleLines(s, lines, 10)).toMatchObject({ from: 1, to: 10 });
    s = scrollReducer(s, { type: 'scroll', lines, delta: 100, rows: 10 });
    expect(s.anchor).toBeNull();
    s = scrollReducer(s, { type: 'oldest', lines, rows: 10 });
    expect(visibleLines(s, lines, 10)).toMatchObject({ from: 1, to: 10 });
  });

  it('keeps a pause frozen while the ring moves on', () => {
    let s = scrollReducer(initialScroll, { type: 'pause', lines: lines.slice(0, 20) });
    expect(visibleLines(s, lines, 10)).toMatchObject({ from: 11, to: 20, total: 20, following: false });
    s = scrollReducer(s, { type: 'pause', lines });
    expect(visibleLines(s, lines, 10)).toMatchObject({ to: 50, total: 50, following: true });
  });
});

describe('keys and the overview cell', () => {
  it('lists the capture keys for the help overlay', () => {
    const rows = helpSections('capture', { readonly: false }).flatMap((s) => s.rows);
    expect(rows).toContainEqual({ keys: 'space', help: 'pause / resume the packet list (the summary goes on)' });
    expect(rows).toContainEqual({ keys: 'w', help: 'keep the capture as a pcap file' });
  });

  it('renders a node’s traffic sample compactly', () => {
    const base = { node: 'n', iface: 'eth0', at: 1000, status: 'ok' as const, packets: 1234, seconds: 1, pps: 1234, synUnanswered: 2, rsts: 1, capped: false };
    expect(segsText(trafficSegs(base, 1000))).toBe('1.2k pps  2 SYN-noreply  1 RST');
    expect(segsText(trafficSegs({ ...base, capped: true, synUnanswered: 0, rsts: 0, pps: 20000 }, 1000))).toBe('>=20k pps');
    expect(segsText(trafficSegs(undefined, 0))).toBe('-');
    expect(segsText(trafficSegs({ ...base, status: 'skipped' }, 1000))).toBe('busy');
  });
});
