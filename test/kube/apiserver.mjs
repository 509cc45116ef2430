// A small Kubernetes API server for tests and the benchmark: HTTPS with a self-signed
// certificate, bearer-token auth, and the real REST + watch protocol for nodes, pods, services
// and discovery.k8s.io/v1 endpointslices, enough
// for @kubernetes/client-node 1.x and kubectl-style clients. Only 127.0.0.1.
//
// Protocol: GET /api/v1/nodes[/NAME], /api/v1/pods, /api/v1/namespaces/NS/pods[/NAME] with
// labelSelector, fieldSelector, resourceVersion, watch, allowWatchBookmarks, timeoutSeconds;
// /version, /api, /apis, /api/v1 for discovery. Errors are Status objects as the real server
// sends them (401, 403, 404, 400, and 410 as an ERROR watch event).

import https from 'node:https';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { API_VERSIONS, Store, keyOf, status } from './store.mjs';
import { serveWatch } from './watch.mjs';
import { SelectorError, matchFields, matchLabels, parseFieldSelector, parseLabelSelector } from './selectors.mjs';

export { status };

/** @type {{ key: string, cert: string } | undefined} */
let cachedCert;

/** A self-signed EC certificate for 127.0.0.1/localhost, made once per process with openssl. */
export function selfSignedCert() {
  if (cachedCert) return cachedCert;
  const dir = mkdtempSync(join(tmpdir(), 'k8s-apiserver-cert-'));
  try {
    execFileSync('openssl', [
      'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes',
      '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem'), '-days', '7',
      '-subj', '/CN=netwatch-test-apiserver', '-addext', 'subjectAltName=IP:127.0.0.1,DNS:localhost',
    ], { stdio: 'pipe' });
    cachedCert = { key: readFileSync(join(dir, 'key.pem'), 'utf8'), cert: readFileSync(join(dir, 'cert.pem'), 'utf8') };
    return cachedCert;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const ROUTES = [
  { re: /^\/api\/v1\/nodes$/, resource: 'nodes' },
  { re: /^\/api\/v1\/nodes\/([^/]+)$/, resource: 'nodes', named: true },
  { re: /^\/api\/v1\/pods$/, resource: 'pods' },
  { re: /^\/api\/v1\/namespaces\/([^/]+)\/pods$/, resource: 'pods', namespaced: true },
  { re: /^\/api\/v1\/namespaces\/([^/]+)\/pods\/([^/]+)$/, resource: 'pods', namespaced: true, named: true },
  { re: /^\/api\/v1\/services$/, resource: 'services' },
  { re: /^\/api\/v1\/namespaces\/([^/]+)\/services$/, resource: 'services', namespaced: true },
  { re: /^\/api\/v1\/namespaces\/([^/]+)\/services\/([^/]+)$/, resource: 'services', namespaced: true, named: true },
  { re: /^\/apis\/discovery\.k8s\.io\/v1\/endpointslices$/, resource: 'endpointslices', group: 'discovery.k8s.io' },
  { re: /^\/apis\/discovery\.k8s\.io\/v1\/namespaces\/([^/]+)\/endpointslices$/, resource: 'endpointslices', group: 'discovery.k8s.io', namespaced: true },
  { re: /^\/apis\/discovery\.k8s\.io\/v1\/namespaces\/([^/]+)\/endpointslices\/([^/]+)$/, resource: 'endpointslices', group: 'discovery.k8s.io', namespaced: true, named: true },
];

const LIST_KINDS = { nodes: 'NodeList', pods: 'PodList', services: 'ServiceList', endpointslices: 'EndpointSliceList' };

export class TestApiServer {
  /**
   * @param {import('./apiserver.d.mts').TestApiServerOptions} [opts]
   * @returns {Promise<TestApiServer>}
   */
  static async start(opts = {}) {
    const s = new TestApiServer(opts);
    await s.listen(opts.port ?? 0);
    return s;
  }

  /** @param {import('./apiserver.d.mts').TestApiServerOptions} opts */
  constructor(opts) {
    this.opts = opts;
    this.token = opts.token ?? 'netwatch-test-token';
    this.user = opts.user ?? 'netwatch-test';
    this.store = new Store({ historyLimit: opts.historyLimit ?? 1000 });
    const { key, cert } = selfSignedCert();
    this.caPem = cert;
    this.port = 0;
    this.down = false;
    /** @type {Set<import('node:http').ServerResponse> | undefined} requests held unanswered while hanging */
    this.hung = undefined;
    /** @type {{ resource: string, node?: string, verbs?: string[] }[]} */
    this.forbidden = [];
    /** @type {{ at: number, verb: string, path: string, query: string, status: number }[]} */
    this.requests = [];
    /** @type {Set<import('node:net').Socket>} */
    this.sockets = new Set();
    /** @type {Set<() => void>} ends each open watch */
    this.watches = new Set();
    this.server = https.createServer({ key, cert }, (req, res) => this.handle(req, res));
    this.server.on('connection', (sock) => {
      sock.setNoDelay(true);
      this.sockets.add(sock);
      sock.on('close', () => this.sockets.delete(sock));
    });
  }

  get url() { return `https://127.0.0.1:${this.port}`; }

  /** @param {number} port */
  listen(port) {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, '127.0.0.1', () => {
        this.server.off('error', reject);
        const addr = this.server.address();
        this.port = typeof addr === 'object' && addr ? addr.port : port;
        resolve(undefined);
      });
    });
  }

  /**
   * @param {import('node:http').IncomingMessage} req
   * @param {import('node:http').ServerResponse} res
   */
  handle(req, res) {
    if (this.hung) {
      const held = this.hung;
      held.add(res);
      res.on('close', () => held.delete(res));
      return;
    }
    const u = new URL(req.url ?? '/', 'https://127.0.0.1');
    const q = u.searchParams;
    const watch = q.get('watch') === 'true' || q.get('watch') === '1';
    const route = ROUTES.map((r) => ({ r, m: r.re.exec(u.pathname) })).find((x) => x.m);
    const verb = !route ? 'discovery' : watch ? 'watch' : route.r.named ? 'get' : 'list';
    /** @param {number} code @param {unknown} body */
    const send = (code, body) => {
      this.requests.push({ at: Date.now(), verb, path: u.pathname, query: u.search, status: code });
      res.writeHead(code, { 'Content-Type': 'application/json', 'Cache-Control': 'no-cache, private' });
      res.end(JSON.stringify(body));
    };
    if (req.headers.authorization !== `Bearer ${this.token}`) return send(401, status(401, 'Unauthorized', 'Unauthorized'));
    if (req.method !== 'GET') return send(405, status(405, 'MethodNotAllowed', 'the server does not allow this method on the requested resource'));
    if (!route || !route.m) return this.discovery(u.pathname, send);
    const resource = /** @type {import('./store.mjs').Resource} */ (route.r.resource);
    const ns = route.r.namespaced ? decodeURIComponent(route.m[1] ?? '') : undefined;
    const name = route.r.named ? decodeURIComponent(route.m[route.r.namespaced ? 2 : 1] ?? '') : undefined;
    const fieldSel = q.get('fieldSelector') ?? '';
    const rule = this.forbidden.find((f) => f.resource === resource && (!f.verbs || f.verbs.includes(verb))
      && (!f.node || fieldSel.split(',').some((p) => p.replace('==', '=') === `spec.nodeName=${f.node}`)));
    if (rule) {
      const scope = ns ? `in the namespace "${ns}"` : 'at the cluster scope';
      const what = `User "${this.user}" cannot ${verb} resource "${resource}" in API group "${route.r.group ?? ''}" ${scope}`;
      const msg = name ? `${resource} "${name}" is forbidden: ${what}` : `${resource} is forbidden: ${what}`;
      return send(403, status(403, 'Forbidden', msg, { ...(name ? { name } : {}), kind: resource }));
    }
    if (name !== undefined) {
      const obj = this.store.objects[resource].get(ns ? `${ns}/${name}` : name);
      return obj ? send(200, obj) : send(404, status(404, 'NotFound', `${resource} "${name}" not found`, { name, kind: resource }));
    }
    let match;
    try {
      const labels = parseLabelSelector(q.get('labelSelector') ?? '');
      const fields = parseFieldSelector(fieldSel, resource);
      match = (/** @type {any} */ o) => (!ns || o.metadata.namespace === ns) && matchLabels(labels, o.metadata.labels) && matchFields(fields, resource, o);
    } catch (e) {
      if (e instanceof SelectorError) return send(400, status(400, 'BadRequest', e.message));
      throw e;
    }
    if (watch) {
      this.requests.push({ at: Date.now(), verb, path: u.pathname, query: u.search, status: 200 });
      return serveWatch(this, res, { resource, match, query: q });
    }
    const items = this.store.list(resource).filter(match).map(({ kind: _k, apiVersion: _a, ...rest }) => rest);
    send(200, { kind: LIST_KINDS[resource], apiVersion: API_VERSIONS[resource], metadata: { resourceVersion: String(this.store.rv) }, items });
  }

  /** @param {string} path @param {(code: number, body: unknown) => void} send */
  discovery(path, send) {
    if (path === '/version') {
      return send(200, { major: '1', minor: '31', gitVersion: 'v1.31.4-netwatch-test', gitCommit: '0', gitTreeState: 'clean',
        buildDate: '2025-01-01T00:00:00Z', goVersion: 'go1.22.10', compiler: 'gc', platform: 'linux/amd64' });
    }
    if (path === '/api') {
      return send(200, { kind: 'APIVersions', versions: ['v1'], serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress: `127.0.0.1:${this.port}` }] });
    }
    const discoveryV1 = { groupVersion: 'discovery.k8s.io/v1', version: 'v1' };
    if (path === '/apis') return send(200, { kind: 'APIGroupList', apiVersion: 'v1', groups: [{ name: 'discovery.k8s.io', versions: [discoveryV1], preferredVersion: discoveryV1 }] });
    if (path === '/apis/discovery.k8s.io/v1') {
      return send(200, { kind: 'APIResourceList', apiVersion: 'v1', groupVersion: 'discovery.k8s.io/v1', resources: [
        { name: 'endpointslices', singularName: 'endpointslice', namespaced: true, kind: 'EndpointSlice', verbs: ['get', 'list', 'watch'] },
      ] });
    }
    if (path === '/api/v1') {
      const verbs = ['get', 'list', 'watch'];
      return send(200, { kind: 'APIResourceList', groupVersion: 'v1', resources: [
        { name: 'nodes', singularName: 'node', namespaced: false, kind: 'Node', verbs, shortNames: ['no'] },
        { name: 'pods', singularName: 'pod', namespaced: true, kind: 'Pod', verbs, shortNames: ['po'] },
        { name: 'services', singularName: 'service', namespaced: true, kind: 'Service', verbs, shortNames: ['svc'] },
      ] });
    }
    send(404, status(404, 'NotFound', 'the server could not find the requested resource', {}));
  }

  /* ---------- objects ---------- */
  /** @param {any} obj */ addNode(obj) { return this.store.put('nodes', obj); }
  /** @param {any} obj */ updateNode(obj) { return this.store.put('nodes', obj); }
  /** @param {string} name */ deleteNode(name) { return this.store.remove('nodes', name); }
  /** @param {any} obj */ addPod(obj) { return this.store.put('pods', obj); }
  /** @param {any} obj */ updatePod(obj) { return this.store.put('pods', obj); }
  /** @param {string} namespace @param {string} name */
  deletePod(namespace, name) { return this.store.remove('pods', `${namespace}/${name}`); }
  /** @param {any} obj */ putService(obj) { return this.store.put('services', obj); }
  /** @param {string} namespace @param {string} name */
  deleteService(namespace, name) { return this.store.remove('services', `${namespace}/${name}`); }
  /** @param {any} obj */ putEndpointSlice(obj) { return this.store.put('endpointslices', obj); }
  /** @param {string} namespace @param {string} name */
  deleteEndpointSlice(namespace, name) { return this.store.remove('endpointslices', `${namespace}/${name}`); }
  /** @param {string} name @param {(node: any) => void} fn */
  patchNode(name, fn) { return this.patch('nodes', name, fn); }
  /** @param {string} namespace @param {string} name @param {(pod: any) => void} fn */
  patchPod(namespace, name, fn) { return this.patch('pods', `${namespace}/${name}`, fn); }
  /** @param {import('./store.mjs').Resource} resource @param {string} key @param {(o: any) => void} fn */
  patch(resource, key, fn) {
    const cur = this.store.objects[resource].get(key);
    if (!cur) throw new Error(`${resource} ${key} not found`);
    const next = structuredClone(cur);
    fn(next);
    return this.store.put(resource, next);
  }
  nodes() { return this.store.list('nodes').map((o) => structuredClone(o)); }
  pods() { return this.store.list('pods').map((o) => structuredClone(o)); }
  /** @param {any} obj */ static key(obj) { return keyOf(obj); }

  /* ---------- faults ---------- */
  /** @param {import('./store.mjs').Resource} resource @param {{ node?: string, verbs?: string[] }} [opts] */
  forbid(resource, opts = {}) { this.forbidden.push({ resource, ...opts }); }
  /** @param {import('./store.mjs').Resource} resource */
  allow(resource) { this.forbidden = this.forbidden.filter((f) => f.resource !== resource); }
  /** Accept only this token from now on (the old one gets 401, as an expired token). */
  /** @param {string} token */ setToken(token) { this.token = token; }
  compact() { this.store.compact(); }
  /** End every open watch cleanly, as the server does at a watch timeout. */
  closeWatches() { for (const end of [...this.watches]) end(); }
  get openWatches() { return this.watches.size; }
  /** open client connections */
  get connections() { return this.sockets.size; }

  /**
   * Down: stop listening and drop every connection (clients get ECONNREFUSED). Up: listen again
   * on the same port.
   * @param {boolean} down
   */
  async setDown(down) {
    if (down === this.down) return;
    this.down = down;
    if (down) {
      const closed = new Promise((r) => this.server.close(() => r(undefined)));
      for (const end of [...this.watches]) end();
      for (const s of this.sockets) s.destroy();
      await closed;
    } else {
      await this.listen(this.port);
    }
  }

  /**
   * Hang: accept connections but answer nothing (an overloaded or black-holed API server);
   * open watches go silent. Off: the held requests are dropped (connection reset).
   * @param {boolean} on
   */
  setHang(on) {
    if (on && !this.hung) {
      this.hung = new Set();
    } else if (!on && this.hung) {
      for (const res of this.hung) res.destroy();
      this.hung = undefined;
    }
  }

  /* ---------- counters ---------- */
  /** @param {{ verb?: string, pathPrefix?: string, since?: number, node?: string }} [f] */
  requestCount(f = {}) {
    const onNode = (/** @type {string} */ q) => (new URLSearchParams(q).get('fieldSelector') ?? '').split(',')
      .some((p) => p.replace('==', '=') === `spec.nodeName=${f.node}`);
    return this.requests.filter((r) => (!f.verb || r.verb === f.verb) && (!f.pathPrefix || r.path.startsWith(f.pathPrefix))
      && (!f.since || r.at >= f.since) && (!f.node || onNode(r.query))).length;
  }
  /** @returns {Record<string, number>} count per 'VERB PATH' */
  requestCounts() {
    /** @type {Record<string, number>} */
    const out = {};
    for (const r of this.requests) out[`${r.verb} ${r.path}`] = (out[`${r.verb} ${r.path}`] ?? 0) + 1;
    return out;
  }
  resetCounters() { this.requests = []; }

  /**
   * Write a kubeconfig for this server and return its path.
   * @param {string} path
   * @param {import('./apiserver.d.mts').KubeconfigOptions} [o]
   */
  kubeconfig(path, o = {}) {
    const ctx = o.context ?? 'netwatch-test';
    const q = JSON.stringify;
    const lines = [
      'apiVersion: v1', 'kind: Config', 'preferences: {}', 'clusters:',
      `- name: ${q(`${ctx}-cluster`)}`, '  cluster:', `    server: ${q(o.server ?? this.url)}`,
      `    certificate-authority-data: ${Buffer.from(this.caPem).toString('base64')}`,
      'users:', `- name: ${q(`${ctx}-user`)}`, '  user:', `    token: ${q(o.token ?? this.token)}`,
      'contexts:', `- name: ${q(ctx)}`, '  context:', `    cluster: ${q(`${ctx}-cluster`)}`, `    user: ${q(`${ctx}-user`)}`,
      ...(o.namespace ? [`    namespace: ${q(o.namespace)}`] : []),
    ];
    if (o.currentContext !== null) lines.push(`current-context: ${q(o.currentContext ?? ctx)}`);
    writeFileSync(path, lines.join('\n') + '\n', { mode: 0o600 });
    return path;
  }

  async stop() {
    this.setHang(false);
    for (const end of [...this.watches]) end();
    if (!this.down) {
      const closed = new Promise((r) => this.server.close(() => r(undefined)));
      for (const s of this.sockets) s.destroy();
      await closed;
    }
    this.down = true;
  }
}
