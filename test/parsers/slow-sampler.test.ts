/**
 * The real sampler.sh + slow.sh (the "x" request) on a fake tree (NW_SAMPLER_ROOT) with stand-in
 * iptables tools that print real save output (test/fixtures/iptables): the sections come framed,
 * the assembler folds them, the second request with the known hashes gets "unchanged" answers
 * (no rule text shipped), and a request field that is not a hash never reaches a command.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { Assembler } from '../../src/sources/parsers/assemble.js';
import { SAMPLER_SH } from '../../src/sources/remote/sampler.js';
import { GUARD_SH } from '../../src/sources/remote/guard.js';
import type { NodeSample } from '../../src/sources/types.js';
import { SamplerDriver } from '../support/sampler-driver.js';

const FIX = new URL('../fixtures/iptables/', import.meta.url).pathname;
const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

function tree(): string {
  const root = mkdtempSync(join(tmpdir(), 'nw-slow-'));
  dirs.push(root);
  const w = (p: string, text: string) => {
    mkdirSync(join(root, p, '..'), { recursive: true });
    writeFileSync(join(root, p), text);
  };
  w('proc/uptime', '5000.25 9000.00\n');
  w('proc/net/dev', 'Inter-|   Receive\n face |bytes\n    lo: 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16\n');
  w('proc/812/comm', 'kube-proxy\n');
  w('proc/812/stat', '812 (kube-proxy) S 1 812 812 0 -1 4194560 100 0 0 0 5 6 0 0 20 0 10 0 100000 1000 100 18446744073709551615 1 1 0 0 0 0 0 0 0 0 0 0 17 1 0 0 0 0 0\n');
  w('proc/813/comm', 'bash\n');
  w('proc/813/stat', '813 (bash) S 1 813 813 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 200000 0 0\n');
  w('proc/net/ip_vs', 'IP Virtual Server version 1.2.1 (size=4096)\nProt LocalAddress:Port Scheduler Flags\n  -> RemoteAddress:Port Forward Weight ActiveConn InActConn\nTCP  0A600001:01BB rr \n  -> C0A8000A:192B      Masq    1      3          0         \n');
  w('proc/net/ip_vs_conn', 'Pro FromIP   FPrt ToIP     TPrt DestIP   DPrt State       Expires PEName PEData\n' + 'TCP C6120105 9C40 0A600001 01BB C0A8000A 192B SYN_RECV         55\n'.repeat(21) + 'TCP C6120106 9C41 0A600001 01BB C0A8000A 192B ESTABLISHED    800\n');
  w('proc/net/nf_conntrack', [
    'ipv4     2 tcp      6 110 SYN_SENT src=198.18.1.6 dst=198.19.0.8 sport=41000 dport=443 [UNREPLIED] src=198.18.1.6 dst=198.18.1.1 sport=8443 dport=41000 mark=0 zone=0 use=2',
    'ipv4     2 tcp      6 110 ESTABLISHED src=198.18.1.7 dst=198.19.0.8 sport=41000 dport=443 src=198.18.1.7 dst=198.18.1.1 sport=8443 dport=41000 [ASSURED] mark=0 zone=0 use=2',
    'ipv4     2 tcp      6 110 SYN_SENT src=198.18.1.8 dst=198.19.0.8 sport=41000 dport=443 [UNREPLIED] src=198.18.2.9 dst=198.18.1.8 sport=8443 dport=41000 mark=0 zone=0 use=2',
  ].join('\n') + '\n');
  const bin = join(root, 'bin');
  mkdirSync(bin);
  const tool = (name: string, body: string) => writeFileSync(join(bin, name), `#!/bin/sh\n${body}\n`, { mode: 0o755 });
  tool('iptables', 'echo "iptables v1.8.9 (nf_tables)"');
  // the legacy stand-in prints a copy of the real save text that a test may change between reads
  writeFileSync(join(root, 'legacy.txt'), readFileSync(`${FIX}iptables-legacy-save.netns-kube-proxy-3svc.txt`));
  tool('iptables-legacy-save', `exec cat "${join(root, 'legacy.txt')}"`);
  tool('iptables-nft-save', `exec cat "${FIX}iptables-save-nat.cilium-kube-proxy-ipvs.txt"`);
  for (const t of ['sh', 'awk', 'mawk', 'gawk', 'grep', 'sed', 'cat', 'md5sum', 'cksum', 'timeout', 'getconf', 'ls', 'sleep', 'kill']) {
    const p = spawnSync('sh', ['-c', `command -v ${t}`]).stdout.toString().trim();
    if (p) symlinkSync(p, join(bin, t));
  }
  return root;
}

/** the real sampler, asked one request at a time: each answer is assembled before the next is written */
async function ask(root: string, requests: Array<(a: Assembler) => string>): Promise<{ samples: NodeSample[]; bytes: number[]; frames: string[][] }> {
  const script = SAMPLER_SH.replace(GUARD_SH, 'nw_guard() { :; }\n');
  const child = spawn('/bin/sh', ['-c', script, 'nw-s-test', '60', '60'], { detached: true, env: { PATH: join(root, 'bin'), NW_SAMPLER_ROOT: root }, stdio: ['pipe', 'pipe', 'pipe'] });
  const d = new SamplerDriver(child);
  const answers = [];
  try {
    for (const r of requests) answers.push(await d.ask(r));
  } finally {
    await d.end();
  }
  return { samples: answers.map((x) => x.sample), bytes: answers.map((x) => x.bytes), frames: answers.map((x) => x.frame) };
}

describe('slow.sh through the real sampler', () => {
  it('reads every slow section, then answers "unchanged" for the hashes netwatch sends', async () => {
    const root = tree();
    const { samples, bytes } = await ask(root, [
      () => '0 x - - 2 - -',
      (a) => `1 x ${a.knownHash('legacy')} ${a.knownHash('nft')} 2 ${a.knownNftHash() ?? '-'} ${a.nftMarkForRequest()}`,
      () => '2 -',
    ]);
    expect(samples).toHaveLength(3);
    const [s0, s1, s2] = samples as [NodeSample, NodeSample, NodeSample];
    expect(s0.iptables?.status).toBe('ok');
    const ipt0 = s0.iptables!.status === 'ok' ? s0.iptables!.data : undefined;
    expect(ipt0).toMatchObject({ version: 'iptables v1.8.9 (nf_tables)', mode: 'nft' });
    const legacy = ipt0!.backends.legacy!;
    const nft = ipt0!.backends.nft!;
    expect(legacy.status === 'ok' && legacy.data.ruleCount).toBe(31);
    expect(nft.status === 'ok' && nft.data.ruleCount).toBe(26);
    expect(ipt0!.shippedBytes).toBeGreaterThan(3000);
    // second read: same hashes, no rule text, the same parsed rule sets
    const ipt1 = s1.iptables!.status === 'ok' ? s1.iptables!.data : undefined;
    expect(ipt1!.shippedBytes).toBe(0);
    expect(ipt1!.backends.legacy).toEqual(legacy);
    expect(ipt1!.backends.nft).toEqual(nft);
    expect(bytes[1]!).toBeLessThan(bytes[0]! - 3000);
    // the rest of the slow collectors
    expect(s0.ipvs).toEqual({
      status: 'ok',
      data: {
        services: [{ proto: 'TCP', addr: '10.96.0.1', port: 443, scheduler: 'rr', reals: [{ addr: '192.168.0.10', port: 6443, weight: 1, active: 3, inactive: 0 }] }],
        conns: { 'TCP 10.96.0.1:443': { SYN_RECV: 21, ESTABLISHED: 1 } },
      },
    });
    expect(s0.agents).toEqual({ status: 'ok', data: [{ name: 'kube-proxy', pid: 812, ageSec: 4000 }] });
    expect(s0.hairpin).toEqual({ status: 'ok', data: [{ proto: 'tcp', src: '198.18.1.6', dst: '198.19.0.8', dport: 443, state: 'SYN_SENT' }] });
    // a tick without x carries no slow collector
    expect(s2.iptables).toBeUndefined();
    expect(s2.agents).toBeUndefined();
  });

  it('legacy: the streamed hash is the change signal (counters alone change nothing; one rule more ships the text)', async () => {
    const root = tree();
    const file = join(root, 'legacy.txt');
    const orig = readFileSync(file, 'utf8');
    const known = (a: Assembler) => `${a.knownHash('legacy')} ${a.knownHash('nft')} 2 - -`;
    const { samples, frames } = await ask(root, [
      () => '0 x - - 2 - -',
      (a) => {
        // packets went through: every [packets:bytes] counter and the "# Generated" date differ
        writeFileSync(file, orig.replace(/\[0:0\]/g, '[17:2048]').replace(/^# Generated.*$/m, '# Generated by iptables-save v1.8.9 on Thu Jan  1 00:00:00 2099'));
        return `1 x ${known(a)}`;
      },
      (a) => {
        writeFileSync(file, orig.replace('COMMIT', '-A FORWARD -s 198.18.77.0/24 -j DROP\nCOMMIT'));
        return `2 x ${known(a)}`;
      },
    ]);
    const ipt = samples.map((x) => (x.iptables?.status === 'ok' ? x.iptables.data : undefined));
    expect(orig).toMatch(/\[0:0\]/);
    expect(ipt[1]!.shippedBytes).toBe(0);
    expect(ipt[1]!.backends.legacy).toEqual(ipt[0]!.backends.legacy);
    expect(ipt[2]!.shippedBytes).toBeGreaterThan(3000);
    const l2 = ipt[2]!.backends.legacy!;
    expect(l2.status === 'ok' && l2.data.ruleCount).toBe(32);
    // the nft backend did not change: "same" again; this tree has no xtables-monitor, so no mark
    expect(ipt[2]!.backends.nft).toEqual(ipt[0]!.backends.nft);
    expect(frames[2]).toContain('@@ nftmark !notool xtables-monitor');
  });

  it('a watcher that never binds its event socket is ended within the bound and reported (nowatch)', async () => {
    const root = tree();
    writeFileSync(join(root, 'bin', 'xtables-monitor'), '#!/bin/sh\nwhile :; do sleep 1; done\n', { mode: 0o755 });
    let marks = '';
    let left: string[] = ['not looked'];
    const t0 = Date.now();
    const { samples, frames } = await ask(root, [
      () => '0 x - - 1 - -',
      (a) => {
        marks = a.nftMarkForRequest();
        // the first answer is in and the sampler still runs: no stand-in watcher is left running
        left = readdirSync('/proc').filter((p) => /^[0-9]+$/.test(p)).filter((p) => {
          try {
            return readFileSync(`/proc/${p}/cmdline`, 'latin1').includes(join(root, 'bin', 'xtables-monitor'));
          } catch {
            return false;
          }
        });
        return '1 -';
      },
    ]);
    expect(Date.now() - t0).toBeLessThan(15_000);
    expect(marks).toBe('-');
    expect(frames[0]).toContain('@@ nftmark !nowatch xtables-monitor did not start');
    expect(samples[0]!.iptables?.status).toBe('ok');
    expect(left).toEqual([]);
  });

  it('drops request fields that are not hashes (nothing of them reaches a command) and says notool', async () => {
    const root = tree();
    const mark = join(root, 'pwned');
    rmSync(join(root, 'bin', 'iptables-nft-save'));
    rmSync(join(root, 'proc/net/ip_vs'));
    const { samples } = await ask(root, [() => `0 x $(touch${'${IFS}'}${mark}) ;touch${'${IFS}'}${mark} 2 \`touch${'${IFS}'}${mark}\` 1.2.3.4;touch${'${IFS}'}${mark}`]);
    expect(existsSync(mark)).toBe(false);
    const ipt = samples[0]!.iptables!;
    expect(ipt.status).toBe('ok');
    if (ipt.status !== 'ok') return;
    expect(ipt.data.backends.nft).toEqual({ status: 'nodata', reason: 'notool: iptables-nft-save' });
    expect(ipt.data.shippedBytes).toBeGreaterThan(0); // no valid hash: the full text came
    expect(samples[0]!.ipvs).toEqual({ status: 'nodata', reason: 'nofile: /proc/net/ip_vs' });
  });
});
