/**
 * Loading the kubeconfig with kubectl's conventions:
 *  - `--kubeconfig FILE` alone when given (a missing file is an error);
 *  - else every file of `KUBECONFIG` (':'-separated), missing ones skipped, merged so that the
 *    first file to define a cluster, user or context name wins, and the first non-empty
 *    current-context wins;
 *  - else ~/.kube/config.
 * `--context` picks a context instead of current-context. Every failure is one line saying what
 * to do (KubeConfigError).
 */
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { delimiter, join } from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';

export class KubeConfigError extends Error {
  override name = 'KubeConfigError';
}

export interface KubeConfigOptions {
  /** --kubeconfig */
  kubeconfig?: string;
  /** --context */
  context?: string;
  /** environment to read KUBECONFIG and HOME from (default process.env) */
  env?: Record<string, string | undefined>;
  /** home directory (default $HOME, else os.homedir()) */
  homeDir?: string;
}

export interface LoadedKubeConfig {
  /** client-node KubeConfig with the chosen context set as current */
  kc: KubeConfig;
  context: string;
  cluster: string;
  user: string;
  /** API server URL */
  server: string;
  /** the files that were read, in order */
  files: string[];
}

/** Which files kubectl would read, and where that list came from. */
export function kubeconfigPaths(opts: KubeConfigOptions = {}): { files: string[]; from: 'flag' | 'KUBECONFIG' | 'default' } {
  const env = opts.env ?? process.env;
  if (opts.kubeconfig) return { files: [opts.kubeconfig], from: 'flag' };
  const list = (env.KUBECONFIG ?? '').split(delimiter).filter((f) => f !== '');
  if (list.length > 0) return { files: list, from: 'KUBECONFIG' };
  const home = opts.homeDir ?? env.HOME ?? homedir();
  return { files: [join(home, '.kube', 'config')], from: 'default' };
}

function readOne(file: string): KubeConfig | undefined {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new KubeConfigError(`cannot read kubeconfig ${file}: ${(e as Error).message.split('\n')[0]}`);
  }
  if (text.trim() === '') return undefined; // kubectl treats an empty file as an empty config
  const kc = new KubeConfig();
  try {
    kc.loadFromFile(file);
  } catch (e) {
    const why = (e as Error).message.split('\n')[0];
    throw new KubeConfigError(`kubeconfig ${file} is not a valid kubeconfig (${why}): fix or regenerate it`);
  }
  return kc;
}

function merge(configs: KubeConfig[]): KubeConfig {
  const out = new KubeConfig();
  for (const kc of configs) {
    for (const c of kc.getClusters()) if (!out.getCluster(c.name)) out.addCluster(c);
    for (const u of kc.getUsers()) if (!out.getUser(u.name)) out.addUser(u);
    for (const x of kc.getContexts()) if (!out.getContextObject(x.name)) out.addContext(x);
    if (!out.getCurrentContext() && kc.getCurrentContext()) out.setCurrentContext(kc.getCurrentContext());
  }
  return out;
}

export function loadKubeConfig(opts: KubeConfigOptions = {}): LoadedKubeConfig {
  const { files, from } = kubeconfigPaths(opts);
  const present = files.filter((f) => existsSync(f));
  if (present.length === 0) {
    if (from === 'flag') throw new KubeConfigError(`kubeconfig ${files[0]} not found: check the --kubeconfig path`);
    if (from === 'KUBECONFIG') {
      throw new KubeConfigError(`no kubeconfig: none of the KUBECONFIG files exist (${files.join(', ')}): fix KUBECONFIG or pass --kubeconfig FILE`);
    }
    throw new KubeConfigError(
      `no kubeconfig at ${files[0]}: pass --kubeconfig FILE or set KUBECONFIG ` +
        '(to create one: gcloud container clusters get-credentials, aws eks update-kubeconfig, az aks get-credentials)',
    );
  }
  const kc = merge(present.map(readOne).filter((k): k is KubeConfig => k !== undefined));
  const names = kc.getContexts().map((c) => c.name);
  const known = names.length > 0 ? `contexts: ${names.join(', ')}` : 'it has no contexts';
  const where = present.join(', ');
  const context = opts.context ?? kc.getCurrentContext();
  if (opts.context && !kc.getContextObject(opts.context)) {
    throw new KubeConfigError(`context "${opts.context}" not found in ${where} (${known}): pick one with --context`);
  }
  if (!context) {
    throw new KubeConfigError(`no current-context in ${where} (${known}): pass --context NAME or run kubectl config use-context NAME`);
  }
  if (!kc.getContextObject(context)) {
    throw new KubeConfigError(`current-context "${context}" is not defined in ${where} (${known}): pass --context NAME`);
  }
  kc.setCurrentContext(context);
  const ctx = kc.getContextObject(context);
  const cluster = ctx ? kc.getCluster(ctx.cluster) : null;
  if (!ctx || !cluster) {
    throw new KubeConfigError(`context "${context}" refers to cluster "${ctx?.cluster ?? ''}", which is not in ${where}: fix the kubeconfig`);
  }
  if (ctx.user && !kc.getUser(ctx.user)) {
    throw new KubeConfigError(`context "${context}" refers to user "${ctx.user}", which is not in ${where}: fix the kubeconfig`);
  }
  return { kc, context, cluster: cluster.name, user: ctx.user ?? '', server: cluster.server, files: present };
}
