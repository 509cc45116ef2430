/**
 * No value ever reaches a shell as code: every argument comes out of a real sh exactly as it
 * went in, whatever it contains. Fuzzed with quotes, $( ), backticks, ;, |, &&, newlines.
 */
import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import {
  buildCommand,
  InvalidNameError,
  shQuote,
  validFilter,
  validInterfaceName,
  validK8sName,
  validPid,
  validPodUid,
  validProgram,
} from '../../src/sources/shell.js';

const NASTY = ["'", '"', '$(touch /tmp/nw-pwned)', '`id`', ';', '|', '&&', '\n', '\\', '$HOME', '*', '!', '#', ' ', '-e', '--', '\t', "'\\''", '%s', '{a,b}', '~'];

function rand(seed: number) {
  let s = seed;
  return () => ((s = (s * 1103515245 + 12345) & 0x7fffffff), s / 0x7fffffff);
}

function fuzzValue(r: () => number): string {
  let out = '';
  const n = 1 + Math.floor(r() * 6);
  for (let i = 0; i < n; i++) {
    if (r() < 0.6) out += NASTY[Math.floor(r() * NASTY.length)];
    else out += String.fromCharCode(32 + Math.floor(r() * 95));
  }
  return out;
}

/** what the script's positional args are, as sh sees them, one per NUL */
const ECHO_ARGS = 'for a in "$@"; do printf "%s\\0" "$a"; done';

describe('shell quoting', () => {
  it('passes 500 fuzzed values through a real sh unchanged', () => {
    const r = rand(42);
    for (let i = 0; i < 500; i++) {
      const args = [fuzzValue(r), fuzzValue(r), fuzzValue(r)];
      const line = buildCommand(ECHO_ARGS, args, { tag: 'nw-test' });
      const out = execFileSync('/bin/sh', ['-c', line], { encoding: 'utf8' });
      expect(out.split('\0').slice(0, -1)).toEqual(args);
    }
  });
  it('works through sudo-style prefixes and bash as the login shell too', () => {
    const args = ["a'b", '$(id)', 'x\ny'];
    const line = buildCommand(ECHO_ARGS, args, { tag: 'nw-test' });
    expect(execFileSync('/bin/bash', ['-c', line], { encoding: 'utf8' }).split('\0').slice(0, -1)).toEqual(args);
  });
  it('quotes single quotes the POSIX way and refuses NUL', () => {
    expect(shQuote("it's")).toBe(`'it'\\''s'`);
    expect(() => shQuote('a\0b')).toThrow();
  });
  it('refuses bad process tags', () => {
    expect(() => buildCommand('true', [], { tag: 'x; rm -rf /' })).toThrow();
  });
});

describe('validators', () => {
  it('accepts real names and refuses everything else', () => {
    for (const ok of ['eth0', 'cbr0', 'veth1a2b3c4d', 'cali0123456789a', 'ens4', 'bond0.100', 'vxlan.calico', 'flannel.1']) expect(validInterfaceName(ok)).toBe(ok);
    for (const bad of ['', 'a'.repeat(16), 'eth0;id', "eth'0", 'eth0\n', '../x', '-i', 'a b', '$(id)']) expect(() => validInterfaceName(bad)).toThrow(InvalidNameError);
    expect(validK8sName('kube-system')).toBe('kube-system');
    for (const bad of ['Kube', 'a_b', '-a', "a'", 'a;b']) expect(() => validK8sName(bad)).toThrow(InvalidNameError);
    expect(validPodUid('8635c070_ca96_42c3_b4fb_f48a80b1e226')).toBeTruthy();
    expect(() => validPodUid('8635c070;id')).toThrow();
    expect(validPid(42)).toBe('42');
    for (const bad of ['0', '-1', '1 2', '1;id', '']) expect(() => validPid(bad)).toThrow();
    expect(validProgram('/usr/bin/tcpdump')).toBe('/usr/bin/tcpdump');
    for (const bad of ['tcpdump -w', '/bin/sh;id', '-x', '$(id)']) expect(() => validProgram(bad)).toThrow();
  });
  it('lets tcpdump judge filters, but never control characters or options', () => {
    expect(validFilter('tcp port 443 and host 198.18.0.11')).toBeTruthy();
    expect(validFilter("port 80 and '$(id)'")).toBeTruthy(); // harmless: one argv, tcpdump rejects it
    for (const bad of ['port 80\nid', '-w /etc/passwd', 'a'.repeat(2000), 'x\u0000']) expect(() => validFilter(bad)).toThrow();
  });
});
