/**
 * `--nodes ARG`: which nodes to show. Pure functions.
 *
 * ARG is a comma list; each item is a glob (`gke-prod-*`, `ip-10-0-?-*`), an exact node name,
 * or a node pool name, tried in that order. Pools are the values of the labels below (what
 * managed Kubernetes offerings and node provisioners put on their nodes). The result is the
 * union. An item that matches nothing is an error when nothing else matched (listing the pools
 * that exist), and is reported as missing otherwise. `-l/--selector` is applied by the API
 * server before this.
 */

/** Labels that name a node's pool, most specific first. */
export const POOL_LABELS: readonly string[] = [
  'cloud.google.com/gke-nodepool', // GKE
  'eks.amazonaws.com/nodegroup', // EKS managed node groups
  'alpha.eksctl.io/nodegroup-name', // eksctl (managed and self-managed)
  'karpenter.sh/nodepool', // Karpenter v1beta1+ (EKS, AKS node auto-provisioning)
  'karpenter.sh/provisioner-name', // Karpenter before v0.32
  'kubernetes.azure.com/agentpool', // AKS
  'agentpool', // AKS, older label
  'kops.k8s.io/instancegroup', // kOps
  'doks.digitalocean.com/node-pool', // DigitalOcean
  'k8s.scaleway.com/pool-name', // Scaleway Kapsule
  'kubernetes.civo.com/node-pool', // Civo
  'ibm-cloud.kubernetes.io/worker-pool-name', // IBM Cloud Kubernetes Service
  'node-pool', // hand-made labels
  'nodepool',
];

export interface NodeLike {
  name: string;
  labels?: Record<string, string> | undefined;
}

export interface Pool {
  name: string;
  count: number;
  /** the label(s) that carry this value */
  labels: string[];
}

export type Selection =
  | { ok: true; names: string[]; missing: string[]; how: string }
  | { ok: false; error: string };

/** The pool name of a node: the value of the first pool label it carries. */
export function poolOf(labels: Record<string, string> | undefined): string | undefined {
  for (const l of POOL_LABELS) {
    const v = labels?.[l];
    if (v) return v;
  }
  return undefined;
}

/** Pools that exist, with their node counts, largest first. */
export function listPools(nodes: readonly NodeLike[]): Pool[] {
  const pools = new Map<string, { nodes: Set<string>; labels: Set<string> }>();
  for (const n of nodes) {
    for (const l of POOL_LABELS) {
      const v = n.labels?.[l];
      if (!v) continue;
      const p = pools.get(v) ?? { nodes: new Set(), labels: new Set() };
      p.nodes.add(n.name);
      p.labels.add(l);
      pools.set(v, p);
    }
  }
  return [...pools.entries()]
    .map(([name, p]) => ({ name, count: p.nodes.size, labels: [...p.labels] }))
    .sort((a, b) => b.count - a.count || a.name.localeCompare(b.name));
}

export function isGlob(s: string): boolean {
  return /[*?[]/.test(s);
}

/** Shell-style glob (`*`, `?`, `[abc]`, `[!abc]`) to an anchored RegExp. */
export function globToRegExp(glob: string): RegExp {
  let re = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i] as string;
    if (c === '*') re += '.*';
    else if (c === '?') re += '.';
    else if (c === '[') {
      const end = glob.indexOf(']', i + 2);
      if (end < 0) re += '\\[';
      else {
        let set = glob.slice(i + 1, end).replace(/\\/g, '\\\\');
        if (set.startsWith('!')) set = '^' + set.slice(1);
        re += `[${set}]`;
        i = end;
      }
    } else re += c.replace(/[.+^${}()|\\\]]/g, '\\$&');
  }
  return new RegExp(`^${re}$`);
}

function describePools(nodes: readonly NodeLike[]): string {
  const pools = listPools(nodes);
  if (pools.length === 0) {
    const sample = nodes.slice(0, 5).map((n) => n.name).join(', ');
    const nodeList = nodes.length === 0 ? 'the cluster lists no nodes' : `nodes: ${sample}${nodes.length > 5 ? `, … (${nodes.length})` : ''}`;
    return `no node carries a pool label (${POOL_LABELS.slice(0, 6).join(', ')}, …); ${nodeList}`;
  }
  return `pools: ${pools.map((p) => `${p.name} (${p.count} node${p.count === 1 ? '' : 's'})`).join(', ')}`;
}

/**
 * @param arg the --nodes value; undefined or '' selects every node
 * @param nodes the nodes the API returned (already filtered by -l on the server)
 * @param labelSelector the -l value, for messages
 */
export function selectNodes(arg: string | undefined, nodes: readonly NodeLike[], labelSelector?: string): Selection {
  const withSel = labelSelector ? ` with labels "${labelSelector}"` : '';
  if (!arg || arg.trim() === '') {
    if (nodes.length === 0 && labelSelector) return { ok: false, error: `no node matches the label selector "${labelSelector}": check -l` };
    return { ok: true, names: nodes.map((n) => n.name).sort(), missing: [], how: labelSelector ? 'label selector' : 'all nodes' };
  }
  const items = arg.split(',').map((s) => s.trim()).filter((s) => s !== '');
  const byName = new Set(nodes.map((n) => n.name));
  const chosen = new Set<string>();
  const missing: string[] = [];
  const hows = new Set<string>();
  for (const item of items) {
    let hit: string[];
    let how: string;
    if (isGlob(item)) {
      const re = globToRegExp(item);
      hit = nodes.filter((n) => re.test(n.name)).map((n) => n.name);
      how = 'glob';
    } else if (byName.has(item)) {
      hit = [item];
      how = 'names';
    } else {
      hit = nodes.filter((n) => POOL_LABELS.some((l) => n.labels?.[l] === item)).map((n) => n.name);
      how = 'pool';
    }
    if (hit.length === 0) missing.push(item);
    else hows.add(how);
    for (const h of hit) chosen.add(h);
  }
  if (chosen.size === 0) {
    if (items.length === 1 && isGlob(items[0] as string)) {
      return { ok: false, error: `no node${withSel} matches "${items[0]}" (${describePools(nodes)}): check --nodes` };
    }
    const what = items.length === 1 ? `no node pool or node named "${items[0]}"` : `none of ${items.map((i) => `"${i}"`).join(', ')} is a node pool, node name or matching glob`;
    return { ok: false, error: `${what}${withSel} (${describePools(nodes)}): check --nodes` };
  }
  return { ok: true, names: [...chosen].sort(), missing, how: [...hows].join('+') };
}
