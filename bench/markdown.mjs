// `-o markdown` and `y`: size and render time of the Markdown summary for 1, 10, 50 and 200 nodes,
// each with 50 interfaces and 5 problems with remedies (one node in ten failed), and what OSC 52
// carries (base64 bytes; cut when over 100 kB). Median of --runs renders (default 200).
// Run: npm run build && node bench/markdown.mjs
import { markdownReport } from '../dist/cli/markdown.js';
import { osc52 } from '../dist/cli/yank.js';
import { newNode } from '../dist/state/store.js';
import { modelWith } from '../dist/state/model.js';

const i = process.argv.indexOf('--runs');
const runs = i >= 0 ? Number(process.argv[i + 1]) : 200;
const NOW = Date.UTC(2025, 0, 15, 3, 12, 4);
const iface = (name, kind, mtu = 1460) => ({ name, ifindex: 1, iflink: 1, kind, mtu, operstate: 'up', flags: 0x1003, adminUp: true, promisc: false });

function node(k) {
  const name = `gke-prod-pool-a-7f3c9d2e-${String(k).padStart(4, '0')}`;
  const n = newNode(name, `10.128.0.${k % 250}`, NOW - 60_000);
  const ifaces = [iface('eth0', 'device'), iface('cbr0', 'bridge'), ...Array.from({ length: 48 }, (_, j) => iface(`veth${k}x${j}`, 'veth'))];
  const sample = { at: NOW - 500, seq: 1, uptime: 3600, conntrack: { status: 'ok', data: { count: 250_000, max: 262_144 } }, interfaces: { status: 'ok', data: ifaces }, tcpCounters: { status: 'nodata', reason: '' }, kernelEvents: [], latencyMs: 3 };
  const failed = k % 10 === 9;
  return {
    ...n,
    status: failed ? { kind: 'failed', since: NOW, reason: 'connect ETIMEDOUT 10.128.0.9:22 after 10 s' } : { kind: 'live', since: NOW - 50_000 },
    sample: failed ? undefined : sample,
    model: modelWith({ interfaces: ifaces, conntrack: { count: 250_000, max: 262_144 } }, NOW - 500),
    problems: failed
      ? [{ severity: 'crit', code: 'node-failed', message: 'connect ETIMEDOUT 10.128.0.9:22 after 10 s' }]
      : [
          { severity: 'crit', code: 'conntrack-fill', message: 'conntrack 250000/262144 (95%)', remedy: 'raise net.netfilter.nf_conntrack_max (GKE guide: MemTotal kB / 32), spread workloads over more nodes, NodeLocal DNSCache to cut DNS entries' },
          { severity: 'warn', code: 'veth-mtu', subject: `veth${k}x3`, message: `veth veth${k}x3 MTU 1500 ≠ primary NIC eth0 MTU 1460`, remedy: 'set the pod MTU to the NIC/VPC MTU (GKE: 1460, or inherited from the node NIC); lower it on overlays' },
          { severity: 'warn', code: 'iface-drops', subject: 'eth0', message: 'eth0 dropping 12.5 packets/s' },
          { severity: 'warn', code: 'tcp-attempt-fails', message: 'TCP connection attempts failing 3.2/s' },
          { severity: 'info', code: 'conntrack-table-full-past', message: 'kernel log has earlier "nf_conntrack: table full" lines' },
        ],
  };
}

console.log('nodes  markdown bytes  render ms (median)  OSC 52 base64 bytes  cut');
for (const count of [1, 10, 50, 200]) {
  const nodes = Array.from({ length: count }, (_, k) => node(k));
  const st = { order: nodes.map((n) => n.name), nodes: Object.fromEntries(nodes.map((n) => [n.name, n])), interval: 1, kube: { kind: 'ok' }, ticks: 1, startedAt: NOW, readonly: false, differences: [], marks: [{ at: NOW, note: 'restarted kube-proxy on n3', by: 'alice', id: 'a' }] };
  const times = [];
  let md = '';
  for (let r = 0; r < runs; r++) {
    const t0 = process.hrtime.bigint();
    md = markdownReport(st, NOW);
    times.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  times.sort((a, b) => a - b);
  const o = osc52(md);
  const b64 = o.seq.length - '\u001b]52;c;\u0007'.length;
  console.log(`${String(count).padStart(5)}  ${String(Buffer.byteLength(md)).padStart(14)}  ${times[Math.floor(times.length / 2)].toFixed(2).padStart(18)}  ${String(b64).padStart(19)}  ${o.cut ? 'yes' : 'no'}`);
}
