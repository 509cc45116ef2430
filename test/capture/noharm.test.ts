// "Never harm the node": whatever happens to netwatch, tcpdump ends; values never reach a shell.
import { spawn } from 'node:child_process';
import { chmodSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalTransport } from '../../src/sources/transport/local.js';
import { InvalidNameError } from '../../src/sources/shell.js';
import { CaptureSession } from '../../src/sources/capture/session.js';
import { CaptureNetns, untilRunning } from './netns.js';

const here = dirname(fileURLToPath(import.meta.url));
let lab: CaptureNetns;
const transport = new LocalTransport('noharm');
/** measured bounds, printed at the end for the report */
const measured: Record<string, number> = {};

beforeAll(async () => {
  lab = new CaptureNetns();
  await lab.ready();
});
afterAll(() => {
  lab?.destroy();
  transport.close();
  console.log(`capture no-harm bounds (ms): ${JSON.stringify(measured)}`);
});

describe('no tcpdump outlives netwatch', () => {
  it('stop(): tcpdump is gone when stop() resolves', async () => {
    const s = new CaptureSession();
    s.start(transport, { iface: lab.ifA, tcpdump: lab.tcpdump });
    await untilRunning(s);
    expect(lab.tcpdumpPids().length).toBe(1);
    const t0 = Date.now();
    await s.stop();
    measured.stop = Date.now() - t0;
    expect(lab.tcpdumpPids()).toEqual([]);
  });

  it('stop() right after start(), while tcpdump is still starting: none left, repeatedly', async () => {
    let worst = 0;
    for (let i = 0; i < 8; i++) {
      const s = new CaptureSession();
      s.start(transport, { iface: lab.ifA, tcpdump: lab.tcpdump });
      // the stop line reaches the node at different moments of the start-up
      if (i % 2) await new Promise((r) => setTimeout(r, 10 * i));
      const t0 = Date.now();
      await s.stop();
      worst = Math.max(worst, Date.now() - t0, await lab.tcpdumpGone(2500));
    }
    measured.stopDuringStart = worst;
  });

  it('netwatch killed with SIGKILL: tcpdump ends within 2 s (stdin EOF)', async () => {
    const child = spawn(
      process.execPath,
      ['--import', join(here, 'ts-register.mjs'), join(here, 'kill-child.ts'), lab.ifA, lab.tcpdump],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    try {
      await new Promise<void>((resolve, reject) => {
        const t = setTimeout(() => reject(new Error('child capture did not start')), 20_000);
        child.stdout!.on('data', (b: Buffer) => {
          if (b.toString().startsWith('running')) {
            clearTimeout(t);
            resolve();
          }
        });
      });
      expect(lab.tcpdumpPids().length).toBe(1);
      child.kill('SIGKILL');
      measured.sigkill = await lab.tcpdumpGone(2000);
    } finally {
      child.kill('SIGKILL');
    }
  });

  it('heartbeats stop but the channel stays open (network drop): tcpdump ends within IDLE + 2 s', async () => {
    const idle = 3;
    const s = new CaptureSession({ idleSeconds: idle, heartbeatMs: 3_600_000 });
    const t0 = Date.now();
    s.start(transport, { iface: lab.ifA, tcpdump: lab.tcpdump });
    await untilRunning(s);
    // the last byte netwatch wrote was at start (none since): the guard counts from there
    await lab.tcpdumpGone((idle + 2) * 1000 + 500);
    measured.heartbeatLost = Date.now() - t0;
    expect(measured.heartbeatLost).toBeGreaterThanOrEqual(idle * 1000);
    expect((await s.done()).kind).toBe('stopped');
  });
});

describe('filters and names never reach a shell', () => {
  const dir = mkdtempSync(join(tmpdir(), 'nwcap-fake-'));
  const fake = join(dir, 'fake-tcpdump');
  // prints nothing to the shell: records its argv (NUL-separated) and acts like tcpdump
  writeFileSync(
    fake,
    `#!/bin/sh
f=$(mktemp "${dir}/argv.XXXXXX")
for a in "$@"; do printf '%s\\0' "$a"; done > "$f"
[ "$1" = -d ] && exit 0
printf '\\324\\303\\262\\241\\002\\000\\004\\000\\000\\000\\000\\000\\000\\000\\000\\000\\200\\000\\000\\000\\001\\000\\000\\000'
`,
  );
  chmodSync(fake, 0o755);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const argvs = () =>
    readdirSync(dir)
      .filter((f) => f.startsWith('argv.'))
      .map((f) => readFileSync(join(dir, f), 'utf8').split('\0').slice(0, -1));

  const hostile = [
    `port 80'; touch ${dir}/pwned; '`,
    `$(touch ${dir}/pwned)`,
    '`touch ' + dir + '/pwned`',
    `port 80; touch ${dir}/pwned`,
    `port 80 | touch ${dir}/pwned`,
    `port 80 && touch ${dir}/pwned`,
    `"port 80" ' \\ $HOME $$ * ? [a] ~ {a,b} > ${dir}/pwned`,
  ];

  for (const filter of hostile) {
    it(`passes ${JSON.stringify(filter.replace(dir, 'DIR'))} verbatim as one argument`, async () => {
      for (const f of readdirSync(dir)) if (f.startsWith('argv.')) rmSync(join(dir, f));
      const s = new CaptureSession();
      s.start(transport, { iface: 'eth0', tcpdump: fake, filter });
      const st = await s.done();
      expect(st).toMatchObject({ kind: 'stopped', reason: 'ended' });
      const calls = argvs().sort((a, b) => a.length - b.length);
      expect(calls).toEqual([
        ['-d', '-i', 'eth0', '--', filter],
        ['-i', 'eth0', '-s', '128', '-c', '100000', '-U', '--immediate-mode', '-w', '-', '--', filter],
      ]);
      expect(readdirSync(dir)).not.toContain('pwned');
    });
  }

  it('refuses newlines and control characters in filters, and leading dashes', () => {
    for (const filter of ['port 80\ntouch x', 'port 80\r', 'a\u0000b', '-w /etc/passwd']) {
      expect(() => new CaptureSession().start(transport, { iface: 'eth0', tcpdump: fake, filter })).toThrow(InvalidNameError);
    }
  });

  it('refuses interface names and programs that are not names', () => {
    for (const iface of ['eth0; reboot', '$(id)', 'a b', '`id`', "eth0'", 'eth0\n', '-i', 'averyveryverylongname']) {
      expect(() => new CaptureSession().start(transport, { iface, tcpdump: fake })).toThrow(InvalidNameError);
    }
    for (const tcpdump of ['tcpdump; id', 'toolbox tcpdump', '$(id)', '-x', '../x y']) {
      expect(() => new CaptureSession().start(transport, { iface: 'eth0', tcpdump })).toThrow(InvalidNameError);
    }
  });

  it('refuses counts, snap lengths and durations out of range', () => {
    const bad = [{ count: 0 }, { count: 1.5 }, { snaplen: -1 }, { snaplen: 262145 }, { snaplen: 1.5 }, { seconds: 0 }, { seconds: Number.NaN }];
    for (const b of bad) expect(() => new CaptureSession().start(transport, { iface: 'eth0', tcpdump: fake, ...b })).toThrow();
  });
});
