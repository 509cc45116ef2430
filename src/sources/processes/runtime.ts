/**
 * The container runtime's view, from its CLI's output. Pure parsers.
 *   crictl ps -a -o json   {"containers":[{"id","podSandboxId","metadata":{"name","attempt"},
 *                            "state":"CONTAINER_RUNNING",...,"labels":{"io.kubernetes.pod.uid",...}}]}
 *   crictl pods -o json    {"items":[{"id","metadata":{"name","uid","namespace","attempt"},
 *                            "state":"SANDBOX_READY",...}]}
 *   docker ps -a --no-trunc --format 'ID|pod uid|pod namespace|pod name|container name|docker.type|State'
 *                          (labels set by dockershim / cri-dockerd; empty for other containers;
 *                          docker.type is "podsandbox" for a pod's pause container; State is
 *                          running, exited, created, ...)
 * crictl may print warnings (no config file, deprecated endpoints) around the JSON: the JSON is
 * taken from the first '{' to the last '}'.
 */

export interface RuntimeContainer {
  /** full 64-hex ID, lowercase */
  id: string;
  /** a pod sandbox (pause container), not an application container */
  sandbox: boolean;
  name?: string;
  podUid?: string;
  podName?: string;
  podNamespace?: string;
  /** CONTAINER_RUNNING, CONTAINER_EXITED, SANDBOX_READY, ... as the runtime says */
  state?: string;
  /** for containers: the sandbox they belong to */
  sandboxId?: string;
}

function jsonPart(text: string): unknown {
  const a = text.indexOf('{');
  const b = text.lastIndexOf('}');
  if (a < 0 || b < a) throw new Error('no JSON in the output');
  return JSON.parse(text.slice(a, b + 1)) as unknown;
}

type Obj = Record<string, unknown>;
const obj = (v: unknown): Obj => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Obj) : {});
const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);

export function parseCrictlContainers(text: string): RuntimeContainer[] {
  const list = obj(jsonPart(text))['containers'];
  if (!Array.isArray(list)) throw new Error('crictl ps: no "containers" list');
  const out: RuntimeContainer[] = [];
  for (const item of list) {
    const c = obj(item);
    const id = str(c['id']);
    if (!id) continue;
    const labels = obj(c['labels']);
    out.push({
      id: id.toLowerCase(),
      sandbox: false,
      name: str(obj(c['metadata'])['name']) ?? str(labels['io.kubernetes.container.name']),
      podUid: str(labels['io.kubernetes.pod.uid']),
      podName: str(labels['io.kubernetes.pod.name']),
      podNamespace: str(labels['io.kubernetes.pod.namespace']),
      state: str(c['state']),
      sandboxId: str(c['podSandboxId'])?.toLowerCase(),
    });
  }
  return out;
}

export function parseCrictlPods(text: string): RuntimeContainer[] {
  const list = obj(jsonPart(text))['items'];
  // crictl prints {} (no "items") when there are no sandboxes
  if (list === undefined) return [];
  if (!Array.isArray(list)) throw new Error('crictl pods: "items" is not a list');
  const out: RuntimeContainer[] = [];
  for (const item of list) {
    const p = obj(item);
    const id = str(p['id']);
    if (!id) continue;
    const meta = obj(p['metadata']);
    out.push({
      id: id.toLowerCase(),
      sandbox: true,
      name: 'POD',
      podUid: str(meta['uid']),
      podName: str(meta['name']),
      podNamespace: str(meta['namespace']),
      state: str(p['state']),
    });
  }
  return out;
}

/** docker ps with the format above; bare IDs (`-q`) are accepted too. */
export function parseDockerPs(text: string): RuntimeContainer[] {
  const out: RuntimeContainer[] = [];
  for (const line of text.split('\n')) {
    const f = line.trim().split('|');
    const id = f[0]?.toLowerCase();
    if (!id || !/^[0-9a-f]{12,64}$/.test(id)) continue;
    out.push({
      id,
      sandbox: f[5] === 'podsandbox',
      podUid: str(f[1]),
      podNamespace: str(f[2]),
      podName: str(f[3]),
      name: f[5] === 'podsandbox' ? 'POD' : str(f[4]),
      state: str(f[6]),
    });
  }
  return out;
}

/** The message a failing CLI printed: its last non-empty lines, shortened. */
export function cliError(text: string, rc: number | undefined): string {
  const lines = text
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);
  const last = lines.slice(-2).join(' ').slice(0, 300);
  if (rc === 124) return `timed out${last ? `: ${last}` : ''}`;
  return last || `exit status ${rc ?? '?'}`;
}
