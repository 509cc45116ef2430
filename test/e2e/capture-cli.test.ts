/**
 * `netwatch capture` for runbooks, against the lab over SSH: a pod target resolved through the
 * API to its veth, a node:interface target, a pcap that tcpdump reads back with the packet count
 * netwatch printed, and a bad filter refused with tcpdump's own message. Usage errors (bad host,
 * unwritable -w, an interface the node does not have) exit 2 before tcpdump runs on the node (a
 * --tcpdump wrapper records every start); an interface literally named "1" is the one captured.
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestApiServer } from '../kube/apiserver.mjs';
import { makeNode, makePod } from '../kube/objects.mjs';
import { startLab, type Lab } from '../lab/lab.js';
import { runNetwatch } from './run.js';
import { Value } from '@sinclair/typebox/value';
import { onceJsonSchema } from '../../src/cli/report-schema.js';

let lab: Lab;
let api: TestApiServer;
let kubeconfig: string;

beforeAll(async () => {
  lab = await startLab({ nodes: [{ name: 'cap-1', kind: 'bridge', pods: 2 }] });
  api = await TestApiServer.start();
  const n = lab.node('cap-1');
  api.addNode(makeNode('gke', { name: n.name, pool: 'pool-c', internalIP: n.address }));
  for (const p of n.pods) api.addPod(makePod('gke', { name: p.name, namespace: 'shop', node: n.name, ip: p.ip, uid: p.uid }));
  kubeconfig = api.kubeconfig(`${lab.dir}/kubeconfig`);
  // records each start on the node, then runs the real tcpdump
  writeFileSync(wrapper(), `#!/bin/sh\necho "$*" >> ${calls()}\nexec tcpdump "$@"\n`);
  chmodSync(wrapper(), 0o755);
});
const wrapper = () => `${lab.dir}/tcpdump-wrapper.sh`;
const calls = () => `${lab.dir}/tcpdump-calls`;
afterAll(async () => {
  await api?.stop();
  await lab?.stop();
});

function packetsIn(file: string): number {
  return execFileSync('tcpdump', ['-nn', '-r', file], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).split('\n').filter(Boolean).length;
}

describe('--once --json of a lab node with pods (the published schema)', () => {
  it('validates against docs/once-json.schema.json\'s schema', async () => {
    const r = await runNetwatch(['--once', '--json', '--kubeconfig', kubeconfig, '--nodes', 'pool-c', '-F', lab.sshConfigPath]);
    expect(r.code, r.stderr).toBe(0);
    const doc = JSON.parse(r.stdout);
    expect(doc.nodes[0].pods.items.length).toBe(2);
    expect(doc.nodes[0].pods.items[0].veth).toMatch(/^veth/);
    expect([...Value.Errors(onceJsonSchema(), doc)].map((e) => `${e.path}: ${e.message}`)).toEqual([]);
  }, 60_000);
});

describe('netwatch capture', () => {
  it('captures a pod by namespace/name on its veth and writes a pcap tcpdump reads back', async () => {
    const pod = lab.node('cap-1').pods[0]!;
    const file = `${lab.dir}/pod.pcap`;
    const run = runNetwatch(['capture', `shop/${pod.name}`, '--kubeconfig', kubeconfig, '-F', lab.sshConfigPath, '--nodes', 'pool-c', '--seconds', '4', '-w', file]);
    await new Promise((r) => setTimeout(r, 2500));
    await lab.makeConnections('cap-1', 5);
    const r = await run;
    await lab.closeConnections('cap-1');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain(`cap-1:${pod.hostVeth}`);
    const printed = Number(/(\d+) packets/.exec(r.stderr.trim().split('\n').at(-1)!)?.[1]);
    const read = packetsIn(file);
    expect(read).toBeGreaterThan(0);
    expect(read).toBe(printed);
  }, 60_000);

  it('refuses a bad filter with tcpdump\'s own message and starts nothing', async () => {
    const r = await runNetwatch(['capture', 'cap-1:cbr0', '-F', lab.sshConfigPath, '--filter', 'port 99999', '--seconds', '2', '-w', `${lab.dir}/bad.pcap`]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/port 99999|illegal port|out of range/i);
  }, 60_000);

  describe('usage errors exit 2 before anything starts on the node', () => {
    const cases: Array<[string, string[], RegExp]> = [
      ['a bad host', ['capture', 'bad host!', '-w', '@DIR@/x.pcap'], /^netwatch: bad host "bad host!": /],
      ['an unwritable -w path', ['capture', 'cap-1:cbr0', '-w', '/nonexistent/x.pcap'], /^netwatch: cannot write -w \/nonexistent\/x\.pcap: no directory \/nonexistent$/],
      ['-w naming a directory', ['capture', 'cap-1:cbr0', '-w', '@DIR@'], /^netwatch: cannot write -w .*: it is a directory$/],
      ['a bad interface name', ['capture', 'cap-1:eth0;id', '-w', '@DIR@/x.pcap'], /^netwatch: not an interface name: "eth0;id"$/],
      ['a number that names no interface', ['capture', 'cap-1:3', '-w', '@DIR@/x.pcap'], /^netwatch: cap-1 has no interface named "3" \(tcpdump would take the number as an index/],
      ['an interface the node does not have', ['capture', 'cap-1:nope0', '-w', '@DIR@/x.pcap'], /^netwatch: cap-1 has no interface named "nope0"; it has: .*cbr0/],
    ];
    for (const [name, args, want] of cases) {
      it(name, async () => {
        rmSync(calls(), { force: true });
        const argv = [...args.map((a) => a.replace('@DIR@', lab.dir)), '-F', lab.sshConfigPath, '--tcpdump', wrapper(), '--seconds', '2'];
        const r = await runNetwatch(argv);
        expect(r.code, r.stderr).toBe(2);
        expect(r.stderr.split('\n')[0]).toMatch(want);
        expect(existsSync(calls()), 'tcpdump ran on the node').toBe(false);
        expect(existsSync(`${lab.dir}/x.pcap`)).toBe(false);
      }, 60_000);
    }
    it('(control: a good capture through the wrapper is recorded)', async () => {
      rmSync(calls(), { force: true });
      const r = await runNetwatch(['capture', 'cap-1:cbr0', '-F', lab.sshConfigPath, '--tcpdump', wrapper(), '--seconds', '1', '-w', `${lab.dir}/ok.pcap`]);
      expect(r.code, r.stderr).toBe(0);
      expect(readFileSync(calls(), 'utf8')).toMatch(/-i cbr0\b/);
    }, 60_000);
  });

  it('captures the interface literally named "1" (not tcpdump\'s device number 1)', async () => {
    // a veth pair "1" <-> nw1peer in the node's netns (the kernel here has no dummy links); ARP
    // for an address nobody has goes out nw1peer and arrives on "1" only
    const ok = async (argv: string[]) => {
      const r = await lab.exec('cap-1', argv);
      expect(r.code, `${argv.join(' ')}: ${r.stderr}`).toBe(0);
      return r.stdout;
    };
    await ok(['ip', 'link', 'add', 'name', '1', 'type', 'veth', 'peer', 'name', 'nw1peer']);
    try {
      await ok(['ip', 'link', 'set', '1', 'up']);
      await ok(['ip', 'link', 'set', 'nw1peer', 'up']);
      await ok(['ip', 'addr', 'add', '198.19.254.1/30', 'dev', 'nw1peer']);
      const listed = await ok(['tcpdump', '-D']);
      expect(listed).toMatch(/^1\.(?!1 )/m); // device number 1 is some other interface
      rmSync(calls(), { force: true });
      const file = `${lab.dir}/one.pcap`;
      const run = runNetwatch(['capture', 'cap-1:1', '-F', lab.sshConfigPath, '--tcpdump', wrapper(), '--seconds', '4', '-w', file]);
      await new Promise((r) => setTimeout(r, 2000));
      // UDP to an address on nw1peer's /30 that nobody has: the node ARPs for it out of nw1peer
      const send = 'use IO::Socket::INET; for (1..6) { IO::Socket::INET->new(PeerAddr => "198.19.254.2:9", Proto => "udp")->send("nw"); select(undef, undef, undef, 0.3) }';
      const ping = await lab.exec('cap-1', ['perl', '-e', send]);
      const r = await run;
      expect(r.code, r.stderr).toBe(0);
      expect(readFileSync(calls(), 'utf8')).toMatch(/-i 1\b/);
      const text = execFileSync('tcpdump', ['-nn', '-e', '-r', file], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
      expect(text, JSON.stringify(ping)).toMatch(/ARP \(0x0806\), length \d+: Request who-has 198\.19\.254\.2 tell 198\.19\.254\.1/);
      // only what crossed "1": every frame from or to the pair's own MACs (no SSH, no cbr0 traffic)
      const macs = [(await ok(['cat', '/sys/class/net/1/address'])).trim(), (await ok(['cat', '/sys/class/net/nw1peer/address'])).trim()];
      const lines = text.split('\n').filter(Boolean);
      for (const l of lines) expect(macs.some((m) => l.includes(m)), l).toBe(true);
      expect(text).not.toMatch(/\.22[: ]/);
    } finally {
      await lab.exec('cap-1', ['ip', 'link', 'del', '1']).catch(() => undefined);
    }
  }, 60_000);
});
