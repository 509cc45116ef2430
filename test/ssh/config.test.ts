import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { resolveHost, SshConfigError, type ConfigEnv, type ConfigFile } from '../../src/sources/ssh/config.js';
import { loadSshConfig, resolveSshHost } from '../../src/sources/ssh/configFiles.js';
import { parseDestination } from '../../src/sources/ssh/destination.js';

const FIX = join(import.meta.dirname, 'fixtures', 'config');
const file = (name: string): ConfigFile => ({ path: join(FIX, name), text: readFileSync(join(FIX, name), 'utf8') });

const env: ConfigEnv = {
  home: '/home/op',
  localUser: 'op',
  uid: 1000,
  localHost: 'jump1.example.org',
  env: { SSH_AUTH_SOCK: '/tmp/agent.1', NW_KEYS: '/keys', NW_AGENT: '/run/agent.sock' },
  // main.conf says "Include conf.d/*.conf": relative to ~/.ssh for a user config
  include: (pattern) => (pattern === '/home/op/.ssh/conf.d/*.conf' ? [file('conf.d/10-lab.conf')] : []),
};
const main = [file('main.conf')];
const resolve = (target: string, files = main) => resolveHost(target, files, env);

describe('ssh config resolution (expected values from ssh -G, OpenSSH 9.2)', () => {
  it('takes the first value obtained, with Host * defaults at the end', () => {
    const h = resolve('bastion');
    expect(h).toMatchObject({
      alias: 'bastion',
      hostName: 'bastion.example.net',
      user: 'ops',
      port: 2222,
      identityFiles: ['/home/op/.ssh/bastion_key'],
      identityFilesConfigured: true,
      identitiesOnly: true,
      identityAgent: '/tmp/agent.1',
      userKnownHostsFiles: ['/home/op/.ssh/known_hosts', '/home/op/.ssh/known_hosts2'],
      globalKnownHostsFiles: ['/etc/ssh/ssh_known_hosts', '/etc/ssh/ssh_known_hosts2'],
      strictHostKeyChecking: 'yes', // "ask" by default: never prompted, so strict
      connectTimeoutMs: 7000,
      keepaliveIntervalMs: 5000, // unset: keepalive stays on
      keepaliveCountMax: 3,
      jumps: [],
    });
  });

  it('matches wildcard Host patterns, %h in HostName, tokens in IdentityFile and %k in UserKnownHostsFile', () => {
    const h = resolve('node-a');
    expect(h.hostName).toBe('node-a.cluster.example.net');
    expect(h.user).toBe('root');
    expect(h.identityFiles).toEqual(['/home/op/.ssh/id_op_node-a.cluster.example.net', '/home/op/.ssh/cluster_key']);
    expect(h.userKnownHostsFiles).toEqual(['/home/op/.ssh/known_hosts.d/node-a', '/home/op/.ssh/known_hosts']);
    expect(h.strictHostKeyChecking).toBe('accept-new');
    expect(h.keepaliveIntervalMs).toBe(15_000);
    expect(h.jumps.map((j) => `${j.user}@${j.hostName}:${j.port}`)).toEqual(['ops@bastion.example.net:2222']);
    expect(h.jumps[0]!.identitiesOnly).toBe(true);
  });

  it('honours negated patterns and matches Host lines case-sensitively, like ssh', () => {
    expect(resolve('node-skip')).toMatchObject({ hostName: 'skipped.example.net', user: 'fallback', jumps: [] });
    expect(resolve('NODE-B')).toMatchObject({ alias: 'NODE-B', hostName: 'node-b', user: 'fallback', jumps: [] });
  });

  it('uses ssh default identity files (missing ones skipped later) when none is configured', () => {
    const h = resolve('node-skip');
    expect(h.identityFilesConfigured).toBe(false);
    expect(h.identityFiles).toEqual(['id_rsa', 'id_ecdsa', 'id_ecdsa_sk', 'id_ed25519', 'id_ed25519_sk', 'id_xmss', 'id_dsa'].map((f) => `/home/op/.ssh/${f}`));
  });

  it('resolves a ProxyJump chain hop by hop through the same config', () => {
    // chained: ProxyJump admin@inner:2200,bastion -> bastion is reached via admin@inner:2200,
    // and inner (no chain given for it) uses its own ProxyJump outer; Match host sets outer's port.
    const h = resolve('chained');
    expect(h.jumps.map((j) => `${j.alias}=${j.user}@${j.hostName}:${j.port}`)).toEqual([
      'outer=jump@198.18.0.1:2200',
      'inner=admin@198.18.0.2:2200',
      'bastion=ops@bastion.example.net:2222',
    ]);
    expect(h).toMatchObject({ hostName: '198.18.1.1', user: 'fallback', port: 22 });
  });

  it('applies Match host against the HostName found so far', () => {
    expect(resolve('inner')).toMatchObject({ port: 2200, jumps: [{ alias: 'outer', port: 2200 }] });
  });

  it('reads HostKeyAlias, StrictHostKeyChecking no, timeouts, IdentityAgent and HashKnownHosts', () => {
    expect(resolve('aliased')).toMatchObject({
      port: 2022,
      hostKeyAlias: 'shared-key-name',
      strictHostKeyChecking: 'no',
      connectTimeoutMs: 3000,
      keepaliveCountMax: 5,
      identityAgent: '/home/op/.ssh/agent.sock',
      hashKnownHosts: true,
    });
    expect(resolve('askme')).toMatchObject({ strictHostKeyChecking: 'yes', identityAgent: null, userKnownHostsFiles: [] });
  });

  it('follows Include relative to ~/.ssh', () => {
    expect(resolve('lab-7')).toMatchObject({ hostName: 'lab-7.lab.example.net', user: 'labuser' });
  });

  it('lets user and port in the target win over the config, like ssh -l/-p', () => {
    expect(resolve('admin@bastion:2022')).toMatchObject({ user: 'admin', port: 2022, hostName: 'bastion.example.net' });
    expect(resolve('ssh://node-c')).toMatchObject({ hostName: 'node-c.cluster.example.net', user: 'root' });
  });

  it('expands ${VAR}, %r %h %p and $VAR agents; IgnoreUnknown; Match exec is skipped with a note', () => {
    const extras = [file('extras.conf')];
    const h = resolve('tokens', extras);
    expect(h.identityFiles).toEqual(['/keys/svc@tokens:2022']);
    expect(h.identityAgent).toBe('/run/agent.sock');
    expect(h.user).toBe('svc'); // ssh would take "from-exec" from the Match exec block
    expect(h.notes.join('\n')).toMatch(/"Match exec" is not evaluated by netwatch/);
    expect(resolve('eq-sign', extras)).toMatchObject({ hostName: '198.18.9.9', user: 'eq' });
    expect(resolve('keepalive-zero', extras).keepaliveIntervalMs).toBe(5000);
    expect(resolve('via-none', extras).jumps).toEqual([]);
  });

  it('refuses what netwatch cannot do or what ssh rejects, with one line', () => {
    const extras = [file('extras.conf')];
    expect(() => resolve('loop-a', extras)).toThrow(/ProxyJump chain for loop-[ab] is deeper than 8 hops/);
    expect(() => resolve('via-command', extras)).toThrow('ssh config for via-command: ProxyCommand is not supported by netwatch; use ProxyJump');
    expect(() => resolve('bad-token', extras)).toThrow('ssh config for bad-token: IdentityFile: token %C in "~/.ssh/%C" is not supported');
    expect(() => resolve('x', [file('malformed.conf')])).toThrow(/^malformed ssh config .*malformed\.conf line 2: /);
    expect(() => resolve('x', [file('unknown-keyword.conf')])).toThrow(/unknown-keyword\.conf line 2: bad configuration option: HostNmae$/);
    // a bad value is an error even in a block that does not apply, as in ssh
    expect(() => resolve('other', [file('bad-port.conf')])).toThrow(/bad-port\.conf line 4: Bad port 'twenty-two'$/);
    expect(() => resolve('x', [file('missing-argument.conf')])).toThrow(/missing-argument\.conf line 1: no argument after keyword "host"$/);
    expect(() => resolve('bad host')).toThrow(SshConfigError);
  });
});

describe('destinations', () => {
  it('parses user@host:port, [v6]:port, bare IPv6 and ssh:// forms', () => {
    expect(parseDestination('admin@inner:2200')).toEqual({ user: 'admin', host: 'inner', port: 2200 });
    expect(parseDestination('[fd00::1]:2222')).toEqual({ host: 'fd00::1', port: 2222 });
    expect(parseDestination('fd00::1')).toEqual({ host: 'fd00::1' });
    expect(parseDestination('ssh://root@node-a:22')).toEqual({ user: 'root', host: 'node-a', port: 22 });
    expect(() => parseDestination('node:99999')).toThrow('bad host "node:99999": not a port number');
    expect(() => parseDestination('-oProxyCommand=x')).toThrow(/not a host name/);
  });
});

describe('reading config files', () => {
  it('agrees with ssh -G on this machine for the fixture hosts', () => {
    const fields = ['hostname', 'user', 'port', 'hostkeyalias', 'connecttimeout', 'stricthostkeychecking', 'userknownhostsfile'];
    for (const alias of ['bastion', 'node-a', 'node-skip', 'NODE-B', 'inner', 'aliased', 'askme']) {
      const out = execFileSync('ssh', ['-G', '-F', join(FIX, 'main.conf'), alias], { encoding: 'utf8', cwd: '/', stdio: ['ignore', 'pipe', 'pipe'] });
      const g: Record<string, string> = Object.fromEntries(out.trim().split('\n').map((l) => [l.split(' ')[0]!, l.slice(l.indexOf(' ') + 1)]));
      const ours = resolveSshHost(alias, { configFile: join(FIX, 'main.conf') });
      const mine: Record<string, string | undefined> = {
        hostname: ours.hostName,
        user: ours.user,
        port: String(ours.port),
        hostkeyalias: ours.hostKeyAlias ?? undefined,
        connecttimeout: String(ours.connectTimeoutMs / 1000),
        stricthostkeychecking: ours.strictHostKeyChecking,
        userknownhostsfile: ours.userKnownHostsFiles.join(' ') || 'none',
      };
      // ssh prints "ask" (its default, never prompted here: strict), "true", "false"
      const sshStrict: Record<string, string> = { ask: 'yes', true: 'yes', false: 'no' };
      g.stricthostkeychecking = sshStrict[g.stricthostkeychecking!] ?? g.stricthostkeychecking!;
      for (const f of fields) expect(`${alias} ${f} ${mine[f]}`).toBe(`${alias} ${f} ${g[f]}`);
    }
  });

  it('reads -F FILE (required) and tolerates a missing ~/.ssh/config; unreadable files are one line', () => {
    const dir = mkdtempSync(join(tmpdir(), 'netwatch-ssh-cfg-'));
    try {
      expect(() => loadSshConfig({ configFile: join(dir, 'nope') })).toThrow(`cannot read ssh config ${join(dir, 'nope')}: ENOENT`);
      const none = loadSshConfig({ userConfig: join(dir, 'missing'), systemConfig: join(dir, 'missing2') });
      expect(none.files).toEqual([]);
      expect(resolveHost('10.0.0.6', none.files, none.env)).toMatchObject({ hostName: '10.0.0.6', port: 22 });
      expect(() => loadSshConfig({ configFile: dir })).toThrow(`cannot read ssh config ${dir}: EISDIR`);
      const inc = join(dir, 'inc');
      writeFileSync(join(dir, 'cfg'), `Include ${dir}/inc*\nHost *\n  User base\n`);
      writeFileSync(inc, 'Host a\n  User from-include\n');
      expect(resolveSshHost('a', { configFile: join(dir, 'cfg') }).user).toBe('from-include');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
