/**
 * One validated configuration: the same bad value is refused with the same words from a flag, an
 * environment variable and the config file (which names the file and the key); precedence is
 * flag > environment > file > default; and the binary exits 2 for each (needs npm run build).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseCli, UsageError } from '../../src/cli/args.js';
import { loadConfigFile } from '../../src/cli/config.js';
import { SETTINGS, unknownEnv, type SettingKey } from '../../src/cli/schema.js';

const BIN = join(import.meta.dirname, '../../bin/netwatch.js');
const dir = mkdtempSync(join(tmpdir(), 'nwcfg-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function fileWith(data: unknown): string {
  const f = join(dir, `c${Math.random().toString(36).slice(2)}.json`);
  writeFileSync(f, JSON.stringify(data));
  return f;
}

function refusal(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(UsageError);
    return (e as Error).message;
  }
  throw new Error('accepted');
}

/** [setting, bad value as text (flag, env), bad value as JSON in the file] */
const BAD: Array<[SettingKey, string, unknown]> = [
  ['interval', '0', 0],
  ['interval', '-1', -1],
  ['interval', '0x1', '0x1'],
  ['interval', '1e3', 1000],
  ['interval', '0.1', 0.1],
  ['interval', 'Infinity', 'Infinity'],
  ['interval', ' 1', ' 1'],
  ['captureSummaryEvery', '1', 1],
  ['connectTimeout', '0', 0],
  ['requestTimeout', '5x', '5x'],
  ['requestTimeout', '-1s', -1],
  ['snaplen', '1.5', 1.5],
  ['snaplen', '262145', 262145],
  ['addressType', 'Foo', 'Foo'],
];

describe('one schema for flags, environment and the config file', () => {
  for (const [key, text, json] of BAD) {
    const s = SETTINGS[key];
    it(`${key} = ${JSON.stringify(text)} is refused from every source in the same words`, () => {
      const body = (m: string) => m.replace(/^.*? must be /, 'must be ').replace(/, not .*$/, '');
      const flag = refusal(() => parseCli([`--${s.flag}`, text]));
      expect(flag).toMatch(new RegExp(`^--${s.flag} must be .*, not "${text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}"$`));
      expect(flag).not.toMatch(/ambiguous|looks like an option/);
      const env = refusal(() => parseCli([], { env: { [s.env!]: text } }));
      expect(env.startsWith(`${s.env} must be `)).toBe(true);
      const f = fileWith({ [key]: json });
      const file = refusal(() => loadConfigFile(f));
      expect(file.startsWith(`config file ${f}: "${key}" must be `)).toBe(true);
      expect(body(env)).toBe(body(flag));
      expect(body(file)).toBe(body(flag));
    });
  }

  it('refuses wrong JSON types, unknown keys and flag-only keys in the file, naming file and key', () => {
    const f1 = fileWith({ readonly: 'yes' });
    expect(refusal(() => loadConfigFile(f1))).toBe(`config file ${f1}: "readonly" must be true or false, not "yes"`);
    const f2 = fileWith({ tcpdump: '' });
    expect(refusal(() => loadConfigFile(f2))).toBe(`config file ${f2}: "tcpdump" must be a non-empty string, not ""`);
    const f3 = fileWith({ count: 5 });
    expect(refusal(() => loadConfigFile(f3))).toMatch(new RegExp(`^config file ${f3}: unknown key "count"`));
    expect(refusal(() => parseCli([], { env: { NETWATCH_READONLY: 'maybe' } }))).toBe('NETWATCH_READONLY must be true or false, not "maybe"');
    expect(refusal(() => parseCli([], { env: { NETWATCH_PARALLEL_HANDSHAKES: '0' } }))).toBe('NETWATCH_PARALLEL_HANDSHAKES must be a whole number from 1 to 1000, not "0"');
    expect(refusal(() => parseCli(['--count', '0x10']))).toMatch(/^--count must be a whole number from 1 to 100000000, not "0x10"$/);
    expect(refusal(() => parseCli(['--seconds', '-5']))).toMatch(/^--seconds must be a number of seconds from 1 to 86400/);
  });

  it('takes good values in every form, with flag > environment > file > default', () => {
    expect(parseCli([]).intervalMs).toBe(1000);
    const f = fileWith({ $schema: './config.schema.json', interval: 2, captureSummaryEvery: '30s', requestTimeout: '1m', snaplen: 0, tcpdump: '/usr/sbin/tcpdump', captureSummary: false });
    const file = loadConfigFile(f);
    expect(parseCli([], { file })).toMatchObject({ intervalMs: 2000, captureSummaryEvery: 30, requestTimeoutMs: 60_000, snaplen: 0, tcpdump: '/usr/sbin/tcpdump', captureSummary: false });
    const env = { NETWATCH_INTERVAL: '500ms', NETWATCH_CAPTURE_SUMMARY: 'true', NETWATCH_SNAPLEN: '' };
    expect(parseCli([], { file, env })).toMatchObject({ intervalMs: 500, captureSummary: true, snaplen: 0 });
    expect(parseCli(['--interval', '0.25', '--no-capture-summary'], { file, env })).toMatchObject({ intervalMs: 250, captureSummary: false });
    expect(parseCli(['--interval=1m'], { file, env }).intervalMs).toBe(60_000);
    expect(parseCli(['--connect-timeout', '.5']).connectTimeoutMs).toBe(500);
    expect(parseCli(['--request-timeout', '1m30s']).requestTimeoutMs).toBe(90_000);
    expect(parseCli(['--request-timeout', '1500000us']).requestTimeoutMs).toBe(1500);
    expect(parseCli(['--request-timeout', '0']).requestTimeoutMs).toBe(0);
    expect(parseCli([], { env: { NETWATCH_INCREMENTAL: '1' } }).incrementalRendering).toBe(true);
    // a bad value is refused even where a higher source would win
    expect(() => parseCli(['--interval', '2'], { env: { NETWATCH_INTERVAL: '0' } })).toThrow(/^NETWATCH_INTERVAL must be/);
  });

  it('names NETWATCH_* variables that are no setting (logged)', () => {
    expect(unknownEnv({ NETWATCH_INTERVALL: '2', NETWATCH_INTERVAL: '2', NETWATCH_CONFIG: 'x', PATH: '/bin' })).toEqual(['NETWATCH_INTERVALL']);
  });

  it('keeps read-only on when the file says so (a policy), and NETWATCH_CONFIG names the file', () => {
    const f = fileWith({ readonly: true });
    expect(parseCli([], { file: loadConfigFile(f), env: { NETWATCH_READONLY: 'false' } }).readonly).toBe(true);
    expect(parseCli([], { env: { NETWATCH_READONLY: 'yes' } }).readonly).toBe(true);
    expect(loadConfigFile(undefined, { NETWATCH_CONFIG: f })).toEqual({ readonly: true });
    expect(() => loadConfigFile(undefined, { NETWATCH_CONFIG: join(dir, 'missing.json') })).toThrow(/cannot read config file .*missing\.json: ENOENT/);
  });
});

describe('the binary exits 2 for a bad value from any source (needs npm run build)', () => {
  const run = (args: string[], env: Record<string, string> = {}) =>
    spawnSync(process.execPath, [BIN, '--once', ...args], { encoding: 'utf8', timeout: 20_000, env: { ...process.env, XDG_CONFIG_HOME: join(dir, 'none'), ...env } });
  const cases: Array<[string, string[], Record<string, string>, RegExp]> = [
    ['--interval 0x1', ['--interval', '0x1'], {}, /^netwatch: --interval must be a number of seconds from 0.2 to 60 .*, not "0x1"$/],
    ['--interval -1', ['--interval', '-1'], {}, /^netwatch: --interval must be a number of seconds from 0.2 to 60 .*, not "-1"$/],
    ['NETWATCH_INTERVAL=0', [], { NETWATCH_INTERVAL: '0' }, /^netwatch: NETWATCH_INTERVAL must be a number of seconds from 0.2 to 60 .*, not "0"$/],
    ['file interval 0', ['--config', fileWith({ interval: 0 })], {}, /^netwatch: config file .*: "interval" must be a number of seconds from 0.2 to 60 .*, not 0$/],
    ['file interval -1 via NETWATCH_CONFIG', [], { NETWATCH_CONFIG: fileWith({ interval: -1 }) }, /^netwatch: config file .*: "interval" must be .*, not -1$/],
  ];
  for (const [name, args, env, want] of cases) {
    it(name, () => {
      const r = run(args, env);
      expect(r.status, r.stderr).toBe(2);
      expect(r.stderr.split('\n')[0]).toMatch(want);
      expect(r.stdout).toBe('');
    });
  }
  it('a good config file interval is used (the report is taken; no spin)', () => {
    const r = run(['--json', '--config', fileWith({ interval: 0.5 })]);
    expect([0, 1]).toContain(r.status);
    expect(JSON.parse(r.stdout).version).toBe(1);
  });
});
