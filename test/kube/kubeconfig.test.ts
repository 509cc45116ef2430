// Loading the kubeconfig with kubectl's conventions, and the one-line errors for bad input.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KubeConfigError, kubeconfigPaths, loadKubeConfig } from '../../src/sources/k8s/kubeconfig.js';
import { TestApiServer } from './apiserver.mjs';
import { tempDir } from './helpers.js';

let server: TestApiServer;
const tmp = tempDir();
const file = (name: string) => join(tmp.dir, name);

function errorOf(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(KubeConfigError);
    const msg = (e as Error).message;
    expect(msg).not.toContain('\n');
    return msg;
  }
  throw new Error('no error');
}

beforeAll(async () => {
  server = await TestApiServer.start();
  server.kubeconfig(file('a'), { context: 'prod' });
  server.kubeconfig(file('b'), { context: 'staging', token: 'other-token' });
  server.kubeconfig(file('c'), { context: 'prod', server: 'https://127.0.0.1:1' }); // same names as a
  server.kubeconfig(file('nocurrent'), { context: 'dev', currentContext: null });
  mkdirSync(join(tmp.dir, 'home', '.kube'), { recursive: true });
  server.kubeconfig(join(tmp.dir, 'home', '.kube', 'config'), { context: 'home-ctx' });
  writeFileSync(file('empty'), '');
  writeFileSync(file('garbage'), 'clusters: [ {name: x, cluster: {}} ]\ncontexts: 3\n');
});
afterAll(async () => {
  await server.stop();
  tmp.remove();
});

describe('which files', () => {
  it('prefers --kubeconfig, then KUBECONFIG (colon list), then ~/.kube/config', () => {
    expect(kubeconfigPaths({ kubeconfig: '/x', env: { KUBECONFIG: '/y' } })).toEqual({ files: ['/x'], from: 'flag' });
    expect(kubeconfigPaths({ env: { KUBECONFIG: '/y::/z' } })).toEqual({ files: ['/y', '/z'], from: 'KUBECONFIG' });
    expect(kubeconfigPaths({ env: { HOME: '/home/u' } })).toEqual({ files: ['/home/u/.kube/config'], from: 'default' });
  });
});

describe('loadKubeConfig', () => {
  it('loads --kubeconfig with its current-context', () => {
    const k = loadKubeConfig({ kubeconfig: file('a'), env: {} });
    expect(k).toMatchObject({ context: 'prod', cluster: 'prod-cluster', user: 'prod-user', server: server.url, files: [file('a')] });
    expect(k.kc.getCurrentContext()).toBe('prod');
  });

  it('loads ~/.kube/config when nothing else is given', () => {
    expect(loadKubeConfig({ env: { HOME: join(tmp.dir, 'home') } }).context).toBe('home-ctx');
  });

  it('merges KUBECONFIG files: the first to define a name wins, missing and empty files are skipped', () => {
    const k = loadKubeConfig({ env: { KUBECONFIG: [file('missing'), file('empty'), file('a'), file('b'), file('c')].join(':') } });
    expect(k.files).toEqual([file('empty'), file('a'), file('b'), file('c')]);
    expect(k.context).toBe('prod');
    expect(k.server).toBe(server.url); // not c's https://127.0.0.1:1
    expect(k.kc.getContexts().map((c) => c.name)).toEqual(['prod', 'staging']);
    const s = loadKubeConfig({ env: { KUBECONFIG: `${file('a')}:${file('b')}` }, context: 'staging' });
    expect(s.user).toBe('staging-user');
    expect(s.kc.getCurrentUser()?.token).toBe('other-token');
  });

  it('takes current-context from the first file that sets one', () => {
    expect(loadKubeConfig({ env: { KUBECONFIG: `${file('nocurrent')}:${file('b')}` } }).context).toBe('staging');
  });
});

describe('bad input: one line each, saying what to do', () => {
  it('missing --kubeconfig file', () => {
    expect(errorOf(() => loadKubeConfig({ kubeconfig: file('nope') }))).toBe(`kubeconfig ${file('nope')} not found: check the --kubeconfig path`);
  });

  it('KUBECONFIG naming only missing files', () => {
    expect(errorOf(() => loadKubeConfig({ env: { KUBECONFIG: `${file('x')}:${file('y')}` } }))).toBe(
      `no kubeconfig: none of the KUBECONFIG files exist (${file('x')}, ${file('y')}): fix KUBECONFIG or pass --kubeconfig FILE`,
    );
  });

  it('no ~/.kube/config', () => {
    expect(errorOf(() => loadKubeConfig({ env: { HOME: join(tmp.dir, 'nohome') } }))).toMatch(
      /^no kubeconfig at .*nohome\/\.kube\/config: pass --kubeconfig FILE or set KUBECONFIG \(to create one: gcloud container clusters get-credentials/,
    );
  });

  it('unknown --context lists the contexts that exist', () => {
    expect(errorOf(() => loadKubeConfig({ env: { KUBECONFIG: `${file('a')}:${file('b')}` }, context: 'qa' }))).toBe(
      `context "qa" not found in ${file('a')}, ${file('b')} (contexts: prod, staging): pick one with --context`,
    );
  });

  it('no current-context', () => {
    expect(errorOf(() => loadKubeConfig({ kubeconfig: file('nocurrent') }))).toBe(
      `no current-context in ${file('nocurrent')} (contexts: dev): pass --context NAME or run kubectl config use-context NAME`,
    );
    expect(loadKubeConfig({ kubeconfig: file('nocurrent'), context: 'dev' }).context).toBe('dev');
  });

  it('a file that is not a kubeconfig', () => {
    expect(errorOf(() => loadKubeConfig({ kubeconfig: file('garbage') }))).toMatch(
      new RegExp(`^kubeconfig ${file('garbage')} is not a valid kubeconfig \\(.+\\): fix or regenerate it$`),
    );
  });
});
