import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseCli, UsageError } from '../../src/cli/args.js';
import { parseCaptureTarget } from '../../src/cli/capture.js';
import { loadConfigFile } from '../../src/cli/config.js';
import { failedNodes, textReport } from '../../src/cli/report.js';
import { createAppStore } from '../../src/state/store.js';

const base = {};

describe('command line', () => {
  it('defaults to watching this machine every second', () => {
    const o = parseCli([], base);
    expect(o).toMatchObject({ command: 'watch', hosts: [], intervalMs: 1000, once: false, readonly: false, captureSummary: true });
  });
  it('reads hosts, ssh config, interval and the capture command', () => {
    expect(parseCli(['--hosts', 'node-a, 10.0.0.6', '-F', 'cfg', '--interval', '0.5'], base)).toMatchObject({ hosts: ['node-a', '10.0.0.6'], sshConfig: 'cfg', intervalMs: 500 });
    expect(parseCli(['capture', 'shop/cart', '--filter', 'port 443', '--seconds', '30', '-w', 'x.pcap'], base)).toMatchObject({ command: 'capture', target: 'shop/cart', filter: 'port 443', seconds: 30, write: 'x.pcap' });
  });
  it('refuses bad input with one line', () => {
    for (const argv of [['--interval', '0'], ['--interval', 'abc'], ['--bogus'], ['--json'], ['--hosts', ''], ['--hosts', 'a', '--nodes', 'p'], ['capture', 'x'], ['--address-type', 'Foo'], ['extra']]) {
      expect(() => parseCli(argv, base), argv.join(' ')).toThrow(UsageError);
    }
  });
  it('takes read-only from the config file too', () => {
    const dir = mkdtempSync(join(tmpdir(), 'nwcfg-'));
    const f = join(dir, 'config.json');
    writeFileSync(f, JSON.stringify({ readonly: true, interval: 2 }));
    const cfg = loadConfigFile(f);
    expect(parseCli([], { file: cfg })).toMatchObject({ readonly: true, intervalMs: 2000 });
    writeFileSync(f, '{ nope');
    expect(() => loadConfigFile(f)).toThrow(/not valid JSON/);
    writeFileSync(f, JSON.stringify({ colour: 'red' }));
    expect(() => loadConfigFile(f)).toThrow(/unknown key "colour"/);
    expect(loadConfigFile(undefined, { XDG_CONFIG_HOME: dir + '/none' })).toEqual({});
  });
  it('parses capture targets and refuses names that are not interfaces', () => {
    expect(parseCaptureTarget('node-a', false)).toEqual({ node: 'node-a' });
    expect(parseCaptureTarget('node-a:cbr0', false)).toEqual({ node: 'node-a', iface: 'cbr0' });
    expect(parseCaptureTarget('shop/cart-1', true)).toEqual({ pod: { namespace: 'shop', name: 'cart-1' } });
    expect(() => parseCaptureTarget('shop/cart-1', false)).toThrow(/Kubernetes/);
    expect(() => parseCaptureTarget('node-a:eth0;id', false)).toThrow();
  });
});

describe('--once report', () => {
  it('names the nodes that could not be sampled', () => {
    const store = createAppStore();
    store.getState().addNode('a');
    store.getState().setStatus('a', { kind: 'failed', since: 0, reason: 'authentication failed for root@a:22' });
    expect(failedNodes(store.getState())).toEqual(['a']);
    expect(textReport(store.getState())).toContain('failed: authentication failed');
  });
});
