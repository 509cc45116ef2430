/**
 * The overview's continuous traffic summary: a short bounded capture on each node's primary
 * interface every few seconds (--capture-summary-every, off with --no-capture-summary), giving
 * packets/s, SYNs without reply and RSTs per node.
 */
import { SummarySampler } from '../sources/capture/index.js';
import type { TrafficSample } from '../sources/capture/sampler.js';
import type { Monitor } from '../sources/monitor.js';
import { primaryInterface } from '../state/rules.js';
import type { Store } from '../state/store.js';
import type { Options } from './args.js';
import type { Logger } from './log.js';

export function startTrafficSummaries(store: Store, monitor: Monitor, opts: Options, log: Logger): { stop(): void } {
  const sampler = new SummarySampler({ intervalMs: opts.captureSummaryEvery * 1000, tcpdump: opts.tcpdump });
  sampler.on('sample', (s: TrafficSample) => {
    store.getState().setTraffic(s.node, s);
    if (s.status === 'error') log(`${s.node}: traffic summary: ${s.reason ?? 'failed'}`);
  });
  // targets follow the nodes and their primary interfaces, checked every few seconds
  let last = '';
  const update = () => {
    const st = store.getState();
    const targets = st.order.flatMap((name) => {
      const t = monitor.transport(name);
      const iface = st.nodes[name] ? primaryInterface(st.nodes[name]!)?.name : undefined;
      return t && iface && st.nodes[name]!.status.kind === 'live' ? [{ node: name, transport: t, iface }] : [];
    });
    const key = targets.map((t) => `${t.node}:${t.iface}`).join(',');
    if (key !== last) {
      last = key;
      sampler.setTargets(targets);
    }
  };
  const timer = setInterval(update, 3000);
  update();
  sampler.start();
  return {
    stop: () => {
      clearInterval(timer);
      sampler.stop();
    },
  };
}
