/**
 * The slow collectors' change signals on real iptables (root): the real sampler (guard.sh +
 * sampler.sh + slow.sh) runs in a fresh network namespace (unshare --net) with kube-proxy-like
 * rules in BOTH backends. The iptables-*-save tools are the real ones behind a wrapper that counts
 * their runs, so the test sees which path a read took: nothing changed → the nft save does not run
 * at all (its xtables-monitor watcher saw nothing) and the legacy save runs once (the streamed
 * hash); one rule added or changed in place in either backend → the very next read ships that
 * backend's new text; nft's own listing of kube-proxy's tables (nftrs, where nft exists) is also
 * skipped while the watcher saw nothing and ships a new table at the next read; at least every
 * NFT_FULL_EVERY-th read saves nft in full anyway; and when
 * the sampler's input closes nothing it started (the watcher included) is left.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NFT_FULL_EVERY } from '../../src/sources/parsers/iptables.js';
import type { Assembler } from '../../src/sources/parsers/assemble.js';
import { SAMPLER_SH } from '../../src/sources/remote/sampler.js';
import { kubeProxyRestore } from '../lab/iptables-rules.mjs';
import { type Answer, SamplerDriver } from '../support/sampler-driver.js';
import { waitFor } from './run.js';

const dir = mkdtempSync(join(tmpdir(), 'nw-slowsig-'));
const log = join(dir, 'runs');
let d: SamplerDriver;
let pid = 0;
let ns = '';

const real = (t: string) => spawnSync('sh', ['-c', `command -v ${t}`]).stdout.toString().trim();
/** runs a command inside the sampler's network namespace (never the host's: checked in beforeAll) */
function inNs(args: string[], input?: string): void {
  expect(readlinkSync(`/proc/${pid}/ns/net`)).toBe(ns);
  const r = spawnSync('nsenter', [`--net=/proc/${pid}/ns/net`, ...args], { input, encoding: 'utf8', timeout: 30_000 });
  expect(r.status, `${args.join(' ')}: ${r.stderr}`).toBe(0);
}
const runs = () => {
  const l = readFileSync(log, 'utf8').split('\n');
  return { legacy: l.filter((x) => x === 'legacy').length, nft: l.filter((x) => x === 'nft').length };
};
/** runs of the nft binary (slow.sh's nftrs lists two tables per read: 2 runs) */
const nftRuns = () => readFileSync(log, 'utf8').split('\n').filter((x) => x === 'nftlist').length;
const hasNft = real('nft') !== '';
/** the head line of a backend's section in an answer frame ("hash H" / "same H"), and its text */
function section(a: Answer, name: string): { head: string; text: string[] } {
  const i = a.frame.indexOf(`@@ ${name}`);
  expect(i, `section ${name} in ${a.frame.slice(0, 20).join('|')}`).toBeGreaterThanOrEqual(0);
  const out: string[] = [];
  for (let j = i + 1; j < a.frame.length && a.frame[j]!.startsWith('.'); j++) out.push(a.frame[j]!.slice(1));
  return { head: out[0] ?? '', text: out.slice(1) };
}
const known = (a: Assembler) => `${a.knownHash('legacy') ?? '-'} ${a.knownHash('nft') ?? '-'} 5 ${a.knownNftHash() ?? '-'} ${a.nftMarkForRequest()}`;
let seq = 0;
const read = () => d.ask((a) => `${seq++} x ${known(a)}`);

beforeAll(async () => {
  writeFileSync(log, '');
  const bin = join(dir, 'bin');
  spawnSync('mkdir', [bin]);
  for (const [tool, name] of [['iptables-legacy-save', 'legacy'], ['iptables-nft-save', 'nft'], ['nft', 'nftlist']] as const) {
    const path = real(tool);
    // nft itself is optional (the nftrs section says notool without it)
    if (tool === 'nft' && path === '') continue;
    expect(path, tool).not.toBe('');
    writeFileSync(join(bin, tool), `#!/bin/sh\necho ${name} >> '${log}'\nexec '${path}' "$@"\n`, { mode: 0o755 });
  }
  expect(real('xtables-monitor')).not.toBe('');
  const child = spawn('unshare', ['--net', '/bin/sh', '-c', SAMPLER_SH, 'nw-s-slowsig', '60', '600'], {
    detached: true,
    env: { PATH: `${bin}:${process.env.PATH}`, LC_ALL: 'C' },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  pid = child.pid!;
  d = new SamplerDriver(child, 60_000);
  // only once it is in its own namespace may anything be changed there
  const host = readlinkSync('/proc/self/ns/net');
  ns = await waitFor('the sampler in its own network namespace', () => {
    const n = readlinkSync(`/proc/${pid}/ns/net`);
    return n !== host && n;
  }, 20_000, 20);
  const rules = kubeProxyRestore(20);
  inNs(['iptables-legacy-restore'], rules);
  inNs(['iptables-nft-restore'], rules);
}, 120_000);

afterAll(async () => {
  await d?.end();
  rmSync(dir, { recursive: true, force: true });
});

describe('slow collectors: change signals on real iptables in a netns', () => {
  it('skips the nft save while nothing changes, and ships every change (added, replaced) at the next read', async () => {
    const first = await read();
    expect(section(first, 'ipt_legacy').head).toMatch(/^hash [0-9a-f]+$/);
    expect(section(first, 'ipt_nft').head).toMatch(/^hash [0-9a-f]+$/);
    expect(section(first, 'nftmark').head).toMatch(/^[0-9]+\.[0-9]+\.[0-9]+\.[0-9]+$/);
    expect(runs()).toEqual({ legacy: 1, nft: 1 });

    // nothing changed: nft not saved at all, legacy once (its hash is the signal); a few bytes
    const same = await read();
    expect(section(same, 'ipt_legacy').head).toBe(section(first, 'ipt_legacy').head.replace('hash', 'same'));
    expect(section(same, 'ipt_nft').head).toBe(section(first, 'ipt_nft').head.replace('hash', 'same'));
    expect(runs()).toEqual({ legacy: 2, nft: 1 });
    // the slow sections' bytes (the frame also carries the per-tick files)
    const slowBytes = same.frame.slice(same.frame.indexOf('@@ iptv')).reduce((n, l) => n + Buffer.byteLength(l, 'latin1') + 1, 0);
    expect(slowBytes).toBeGreaterThan(0);
    expect(slowBytes).toBeLessThan(2048);

    // one rule more in the nft backend, read right after: its text comes, with the rule
    inNs(['iptables-nft', '-t', 'nat', '-A', 'KUBE-SERVICES', '-d', '198.19.250.1/32', '-p', 'tcp', '-m', 'tcp', '--dport', '80', '-j', 'KUBE-MARK-MASQ']);
    const added = await read();
    const nftAdded = section(added, 'ipt_nft');
    expect(nftAdded.head).toMatch(/^hash /);
    expect(nftAdded.text.some((l) => l.includes('198.19.250.1/32'))).toBe(true);
    expect(section(added, 'ipt_legacy').head).toMatch(/^same /);
    const a1 = added.sample.iptables;
    expect(a1?.status === 'ok' && a1.data.backends.nft?.status === 'ok' && a1.data.backends.nft.data.ruleCount).toBe(3 + 7 + 7 * 20 + 1);

    // and quiet again
    const quiet = await read();
    expect(section(quiet, 'ipt_nft').head).toBe(nftAdded.head.replace('hash', 'same'));
    const before = runs().nft;
    await read();
    expect(runs().nft).toBe(before);

    // a rule changed in place (same count, same size class): the next read ships it
    inNs(['iptables-nft', '-t', 'nat', '-R', 'KUBE-SERVICES', '1', '-d', '198.19.250.2/32', '-p', 'tcp', '-m', 'tcp', '--dport', '80', '-j', 'KUBE-MARK-MASQ']);
    const replaced = section(await read(), 'ipt_nft');
    expect(replaced.head).toMatch(/^hash /);
    expect(replaced.text.some((l) => l.includes('198.19.250.2/32'))).toBe(true);
    expect(replaced.head).not.toBe(nftAdded.head);

    // the legacy backend: one rule more, then one changed in place
    inNs(['iptables-legacy', '-I', 'FORWARD', '1', '-s', '198.18.77.0/24', '-j', 'DROP']);
    const lAdded = await read();
    expect(section(lAdded, 'ipt_legacy').text).toContain('-A FORWARD -s 198.18.77.0/24 -j DROP');
    expect(section(lAdded, 'ipt_nft').head).toMatch(/^same /);
    inNs(['iptables-legacy', '-R', 'FORWARD', '1', '-s', '198.18.78.0/24', '-j', 'DROP']);
    const lRepl = section(await read(), 'ipt_legacy');
    expect(lRepl.head).toMatch(/^hash /);
    expect(lRepl.text).toContain('-A FORWARD -s 198.18.78.0/24 -j DROP');
    expect(lRepl.text).not.toContain('-A FORWARD -s 198.18.77.0/24 -j DROP');
  }, 120_000);

  it('nftrs (native nft tables, where nft exists): not listed while the watcher saw nothing; a new kube-proxy table ships at the next read', async () => {
    const first = await read();
    if (!hasNft) {
      expect(first.frame).toContain('@@ nftrs !notool nft');
      return;
    }
    expect(section(first, 'nftrs').head).toMatch(/^(hash|same) [0-9a-f]+$/);
    const quiet = await read();
    const before = nftRuns();
    const again = await read();
    expect(nftRuns()).toBe(before);
    expect(section(again, 'nftrs').head).toBe(section(quiet, 'nftrs').head);
    expect(section(again, 'nftrs').head).toMatch(/^same /);
    inNs(['nft', 'add', 'table', 'ip', 'kube-proxy']);
    inNs(['nft', 'add', 'chain', 'ip', 'kube-proxy', 'services']);
    inNs(['nft', 'add', 'rule', 'ip', 'kube-proxy', 'services', 'ip', 'daddr', '198.19.251.1', 'tcp', 'dport', '80', 'accept']);
    const changed = section(await read(), 'nftrs');
    expect(changed.head).toMatch(/^hash /);
    expect(changed.text.some((l) => l.includes('198.19.251.1'))).toBe(true);
    const rs = d.assembler.knownNftHash();
    expect(rs && changed.head.endsWith(rs)).toBe(true);
  }, 120_000);

  it('saves nft in full at least every NFT_FULL_EVERY-th read even when the watcher saw nothing', async () => {
    const start = runs().nft;
    const heads: string[] = [];
    for (let i = 0; i < NFT_FULL_EVERY; i++) heads.push(section(await read(), 'ipt_nft').head);
    expect(runs().nft - start).toBe(1);
    expect(heads.every((h) => h.startsWith('same '))).toBe(true);
  }, 120_000);

  it('leaves nothing running when the sampler input closes (the watcher included)', async () => {
    const inNsNow = () =>
      readdirSync('/proc').filter((p) => /^[0-9]+$/.test(p)).filter((p) => {
        try {
          return readlinkSync(`/proc/${p}/ns/net`) === ns;
        } catch {
          return false;
        }
      });
    const watchers = inNsNow().filter((p) => {
      try {
        return readFileSync(`/proc/${p}/comm`, 'utf8').trim() === 'xtables-monitor';
      } catch {
        return false;
      }
    });
    expect(watchers).toHaveLength(1);
    await d.end();
    await waitFor('nothing left in the namespace', () => inNsNow().length === 0, 20_000);
  }, 60_000);
});
