import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { LOGIN_SH } from '../../src/sources/remote/scripts.js';
import { parseLoginProbe } from '../../src/sources/transport/ssh.js';

const probe = (env: Record<string, string>) =>
  execFileSync('sh', ['-c', LOGIN_SH, 'netwatch-id'], { env: { PATH: process.env.PATH!, ...env }, encoding: 'utf8' });

describe('the login probe (remote/login.sh)', () => {
  it('says the uid and the node-side address of the SSH connection', () => {
    const out = probe({ SSH_CONNECTION: '198.18.0.1 40022 198.18.0.11 22' });
    expect(parseLoginProbe(out)).toEqual({ uid: String(process.getuid!()), address: '198.18.0.11' });
    expect(parseLoginProbe(probe({ SSH_CONNECTION: '2001:db8::1 5 2001:db8::11 22' })).address).toBe('2001:db8::11');
  });

  it('without SSH_CONNECTION, or with a garbled one, has no address (and globs are not expanded)', () => {
    expect(parseLoginProbe(probe({})).address).toBeUndefined();
    expect(parseLoginProbe(probe({ SSH_CONNECTION: '* * * *' })).address).toBeUndefined();
    expect(parseLoginProbe(probe({ SSH_CONNECTION: 'a b $(reboot) c' })).address).toBeUndefined();
  });

  it('takes the last uid line after a chatty login shell', () => {
    expect(parseLoginProbe('Welcome!\nuid 1000\nuid 0\nssh 198.18.0.12\n')).toEqual({ uid: '0', address: '198.18.0.12' });
    expect(parseLoginProbe('motd\n')).toEqual({});
  });
});
