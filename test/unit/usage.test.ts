/**
 * Usage errors are said in netwatch's words (never node:util parseArgs' text) and exit 2;
 * the timeout flags take ssh's and kubectl's forms; --help documents the exit status.
 */
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { parseCli, parseRequestTimeout, UsageError } from '../../src/cli/args.js';
import { withConnectTimeout } from '../../src/cli/targets.js';
import { BIN } from '../e2e/run.js';

const base = { intervalMs: 1000 };
const problem = (argv: string[]) => {
  try {
    parseCli(argv, base);
  } catch (e) {
    expect(e).toBeInstanceOf(UsageError);
    return (e as Error).message;
  }
  throw new Error(`no usage error for ${argv.join(' ')}`);
};

describe('usage errors', () => {
  const cases: Array<[string[], RegExp]> = [
    [['--hosts', '--once'], /^--hosts needs a value, and "--once" looks like an option \(write --hosts=--once if it is the value\)$/],
    [['--hosts'], /^--hosts needs a value$/],
    [['-F'], /^-F needs a value$/],
    [['--once=yes'], /^--once takes no value$/],
    [['--hots', 'a'], /^unknown option --hots \(did you mean --hosts\?\)$/],
    [['--zzzzzz'], /^unknown option --zzzzzz$/],
    [['-x'], /^unknown option -x$/],
    [['--connect-timeout', '0'], /^--connect-timeout must be a number of seconds from 0.1 to 3600 \(or a duration such as 500ms, 2m\), not "0"$/],
    [['--connect-timeout', 'ten'], /^--connect-timeout must be a number/],
    [['--request-timeout', '5x'], /^--request-timeout must be a duration such as 10s, 1m or plain seconds/],
    [['--request-timeout=-1s'], /^--request-timeout must be a duration/],
    [['--fail-on', 'info', '--once'], /^--fail-on must be warn or crit, not "info"$/],
    [['--fail-on', 'warn'], /^--fail-on goes with --once$/],
    [['--json'], /^--json goes with --once$/],
    [['stray'], /^unexpected argument "stray"$/],
  ];
  for (const [argv, want] of cases) {
    it(argv.join(' '), () => {
      const msg = problem(argv);
      expect(msg).toMatch(want);
      expect(msg).not.toMatch(/ambiguous|Did you forget|parseArgs|ERR_/);
    });
  }

  it('the binary exits 2 with the message on stderr (needs npm run build)', () => {
    for (const [argv, want] of cases.slice(0, 5)) {
      const r = spawnSync(process.execPath, [BIN, ...argv], { encoding: 'utf8', timeout: 20_000 });
      expect(r.status, argv.join(' ')).toBe(2);
      expect(r.stderr.split('\n')[0]).toMatch(new RegExp(`^netwatch: ${want.source.slice(1)}`));
      expect(r.stdout).toBe('');
    }
  });
});

describe('timeout flags', () => {
  it('--request-timeout takes kubectl forms; 0 is no timeout; default 10 s', () => {
    expect(parseRequestTimeout('10s')).toBe(10_000);
    expect(parseRequestTimeout('1m')).toBe(60_000);
    expect(parseRequestTimeout('1m30s')).toBe(90_000);
    expect(parseRequestTimeout('500ms')).toBe(500);
    expect(parseRequestTimeout('1.5h')).toBe(5_400_000);
    expect(parseRequestTimeout('7')).toBe(7000);
    expect(parseRequestTimeout('0')).toBe(0);
    expect(parseCli([], base).requestTimeoutMs).toBe(10_000);
    expect(parseCli(['--request-timeout', '2s'], base).requestTimeoutMs).toBe(2000);
  });
  it('--connect-timeout wins over the ssh config, on every hop', () => {
    expect(parseCli(['--connect-timeout', '4'], base).connectTimeoutMs).toBe(4000);
    expect(parseCli([], base).connectTimeoutMs).toBeUndefined();
    const host = { connectTimeoutMs: 10_000, jumps: [{ connectTimeoutMs: 7000 }] } as never;
    const h = withConnectTimeout(host, 2500) as unknown as { connectTimeoutMs: number; jumps: Array<{ connectTimeoutMs: number }> };
    expect(h.connectTimeoutMs).toBe(2500);
    expect(h.jumps[0]!.connectTimeoutMs).toBe(2500);
    expect(withConnectTimeout(host, undefined)).toBe(host);
  });
  it('--help documents the exit status and what needs root', () => {
    const r = spawnSync(process.execPath, [BIN, '--help'], { encoding: 'utf8', timeout: 20_000 });
    if (r.status === null) throw new Error('netwatch --help did not run');
    expect(r.stdout).toMatch(/Exit status[\s\S]*0 every node was sampled[\s\S]*1 a node[\s\S]*2 usage[\s\S]*3 --fail-on/);
    expect(r.stdout).toContain('--connect-timeout');
    expect(r.stdout).toContain('--request-timeout');
  });
});
