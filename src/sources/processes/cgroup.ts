/**
 * Container ID and pod UID from /proc/PID/cgroup. Pure; fixtures in test/fixtures/processes/.
 *
 * Formats (kubelet names the pod cgroup, the runtime names the container cgroup under it):
 *   cgroupfs driver:  /kubepods[/burstable|/besteffort]/pod<uid-with-dashes>/<id>
 *                     (containerd and Docker: the bare 64-hex ID; CRI-O: crio-<id>)
 *   systemd driver:   /kubepods.slice/kubepods-burstable.slice/
 *                       kubepods-burstable-pod<uid_with_underscores>.slice/<prefix>-<id>.scope
 *                     with prefix cri-containerd (containerd), docker (Docker, cri-dockerd),
 *                     crio (CRI-O); guaranteed pods sit directly under kubepods.slice
 *   containerd + systemd on cgroup v1 also writes, in some hierarchies, the systemd "slice:
 *   prefix:name" notation as one path element: kubepods-besteffort-pod<uid>.slice:cri-containerd:<id>
 *   plain containers: /docker/<id>, /system.slice/docker-<id>.scope, machine.slice/libpod-<id>.scope
 *   nested (kind, minikube: a kubelet in a container): any prefix before these, e.g. the node's
 *   own /docker/<node-id>/kubepods.slice/..., or kind's /kubelet.slice/kubelet-kubepods.slice/...
 * Static pods' UIDs are 32 hex digits (a hash of the manifest), without dashes.
 * cgroup v1 has one line per hierarchy ("N:controllers:/path"); v2 one line "0::/path"; hybrid
 * both. The first line naming a container wins, v2 first, then name=systemd, then the others.
 */

export interface CgroupIds {
  containerId?: string;
  /** normalized: lowercase, dashes */
  podUid?: string;
  /** from the container element's prefix: containerd, docker, cri-o, podman */
  runtime?: string;
  /** the path (of the line) these came from */
  path: string;
}

const ID64 = /^[0-9a-f]{64}$/;
const UID_ANY = '([0-9a-f]{8}[-_][0-9a-f]{4}[-_][0-9a-f]{4}[-_][0-9a-f]{4}[-_][0-9a-f]{12}|[0-9a-f]{32})';
/** cgroupfs pod element */
const POD_PLAIN = new RegExp(`^pod${UID_ANY}$`);
/** systemd pod slice, any parent prefix (kubepods-, kubepods-burstable-, kubelet-kubepods-...) */
const POD_SLICE = new RegExp(`^(?:[a-z0-9_]+-)*pod${UID_ANY}\\.slice$`);

const SCOPE_PREFIX: Record<string, string> = {
  'cri-containerd': 'containerd',
  docker: 'docker',
  crio: 'cri-o',
  libpod: 'podman',
};

export function normalizePodUid(uid: string): string {
  return uid.toLowerCase().replace(/_/g, '-');
}

function podUidOf(element: string): string | undefined {
  const m = POD_PLAIN.exec(element) ?? POD_SLICE.exec(element);
  return m?.[1] ? normalizePodUid(m[1]) : undefined;
}

/** A container element: <prefix>-<id>.scope, crio-<id>, or a bare 64-hex ID. */
function containerOf(element: string, afterPod: boolean, parent: string | undefined): { id: string; runtime?: string } | undefined {
  const scope = /^([a-z-]+?)-([0-9a-f]{64})(?:\.scope)?$/.exec(element);
  if (scope?.[1] && scope[2]) {
    const runtime = SCOPE_PREFIX[scope[1]];
    // crio-conmon-<id> is CRI-O's monitor process, not the container
    if (runtime) return { id: scope[2], runtime };
    return undefined;
  }
  if (ID64.test(element)) {
    if (afterPod) return { id: element };
    if (parent === 'docker') return { id: element, runtime: 'docker' };
  }
  return undefined;
}

/** Container ID and pod UID from one cgroup path. */
export function parseCgroupPath(path: string): CgroupIds {
  const out: CgroupIds = { path };
  // "slice:prefix:name" elements become three elements: slice, prefix-name
  const elements: string[] = [];
  for (const raw of path.split('/')) {
    if (!raw) continue;
    const colon = raw.split(':');
    if (colon.length === 3 && colon[0] && colon[1] && colon[2]) elements.push(colon[0], `${colon[1]}-${colon[2]}`);
    else elements.push(raw);
  }
  let afterPod = false;
  for (let i = 0; i < elements.length; i++) {
    const el = elements[i] ?? '';
    const uid = podUidOf(el);
    if (uid) {
      // a container element before the pod is the node's own container (minikube, kind): drop it
      delete out.containerId;
      delete out.runtime;
      out.podUid = uid;
      afterPod = true;
      continue;
    }
    const c = containerOf(el, afterPod, elements[i - 1]);
    if (c) {
      out.containerId = c.id;
      if (c.runtime) out.runtime = c.runtime;
    }
  }
  return out;
}

/** Parses the whole /proc/PID/cgroup file (its lines). */
export function parseCgroupFile(lines: readonly string[]): CgroupIds | undefined {
  const entries: { hierarchy: string; controllers: string; path: string }[] = [];
  for (const line of lines) {
    const m = /^(\d+):([^:]*):(.*)$/.exec(line.trim());
    if (m && m[1] !== undefined && m[2] !== undefined && m[3] !== undefined) {
      entries.push({ hierarchy: m[1], controllers: m[2], path: m[3] });
    }
  }
  if (entries.length === 0) return undefined;
  const rank = (e: { hierarchy: string; controllers: string }): number =>
    e.hierarchy === '0' && e.controllers === '' ? 0 : e.controllers === 'name=systemd' ? 1 : 2;
  const ordered = [...entries].sort((a, b) => rank(a) - rank(b));
  const parsed = ordered.map((e) => parseCgroupPath(e.path));
  return (
    parsed.find((p) => p.containerId) ??
    parsed.find((p) => p.podUid) ??
    parsed.find((p) => p.path !== '/') ??
    parsed[0]
  );
}

/** "containerd://<id>", "docker://<id>", "cri-o://<id>" (pod status) -> the bare lowercase ID. */
export function bareContainerId(id: string | undefined): string | undefined {
  if (!id) return undefined;
  const bare = id.includes('://') ? id.slice(id.indexOf('://') + 3) : id;
  return bare.toLowerCase();
}
