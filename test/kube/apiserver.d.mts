// Types of the test API server (apiserver.mjs), for the TypeScript tests.

export interface TestApiServerOptions {
  /** the bearer token accepted (default 'netwatch-test-token') */
  token?: string;
  /** the user named in 403 messages (default 'netwatch-test') */
  user?: string;
  /** events kept for watches that resume from a resourceVersion (default 1000) */
  historyLimit?: number;
  /** how often a watch with allowWatchBookmarks gets a BOOKMARK (default 60 000 ms) */
  bookmarkIntervalMs?: number;
  /** watch length when the client gives no timeoutSeconds (default 1800 s) */
  defaultWatchTimeoutSeconds?: number;
  /** port on 127.0.0.1 (default: a free one) */
  port?: number;
}

export interface KubeconfigOptions {
  /** context name (default 'netwatch-test'); cluster and user are named after it */
  context?: string;
  /** token to write (default: the server's) */
  token?: string;
  /** current-context to write (default: the context); null leaves it out */
  currentContext?: string | null;
  /** server URL to write (default: this server) */
  server?: string;
  namespace?: string;
}

export interface RequestRecord {
  at: number;
  verb: 'list' | 'watch' | 'get' | 'discovery';
  path: string;
  /** the query string, e.g. '?fieldSelector=spec.nodeName%3Dn1&watch=true' */
  query: string;
  status: number;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Obj = any;

export declare function selfSignedCert(): { key: string; cert: string };
export declare function status(code: number, reason: string, message: string, details?: object): Obj;

export declare class TestApiServer {
  static start(opts?: TestApiServerOptions): Promise<TestApiServer>;
  readonly url: string;
  readonly port: number;
  /** PEM of the self-signed certificate (the CA a client must trust) */
  readonly caPem: string;
  token: string;
  requests: RequestRecord[];
  readonly openWatches: number;
  /** open client connections */
  readonly connections: number;

  addNode(obj: Obj): Obj;
  updateNode(obj: Obj): Obj;
  patchNode(name: string, fn: (node: Obj) => void): Obj;
  deleteNode(name: string): boolean;
  addPod(obj: Obj): Obj;
  updatePod(obj: Obj): Obj;
  patchPod(namespace: string, name: string, fn: (pod: Obj) => void): Obj;
  deletePod(namespace: string, name: string): boolean;
  nodes(): Obj[];
  pods(): Obj[];
  /** create or replace a Service (v1) */
  putService(obj: Obj): Obj;
  deleteService(namespace: string, name: string): boolean;
  /** create or replace an EndpointSlice (discovery.k8s.io/v1) */
  putEndpointSlice(obj: Obj): Obj;
  deleteEndpointSlice(namespace: string, name: string): boolean;

  /** 403 for this resource, optionally only for pod requests with fieldSelector spec.nodeName=node */
  forbid(resource: 'nodes' | 'pods' | 'services' | 'endpointslices', opts?: { node?: string; verbs?: string[] }): void;
  allow(resource: 'nodes' | 'pods' | 'services' | 'endpointslices'): void;
  /** accept only this token from now on: clients with the old one get 401 (an expired token) */
  setToken(token: string): void;
  /** forget the event history: watches resuming from an older resourceVersion get 410 Gone */
  compact(): void;
  /** end every open watch cleanly (as a server-side watch timeout) */
  closeWatches(): void;
  /** true: accept connections but answer nothing, open watches go silent; false: drop the held requests */
  setHang(on: boolean): void;
  /** true: stop listening and drop all connections (ECONNREFUSED); false: listen again, same port */
  setDown(down: boolean): Promise<void>;

  /** requests matching all given: verb, path prefix, time, and for pods fieldSelector spec.nodeName=node */
  requestCount(filter?: { verb?: string; pathPrefix?: string; since?: number; node?: string }): number;
  /** count per 'VERB PATH', e.g. 'watch /api/v1/pods' */
  requestCounts(): Record<string, number>;
  resetCounters(): void;
  /** write a kubeconfig (CA data, token, server URL, context) for this server; returns the path */
  kubeconfig(path: string, opts?: KubeconfigOptions): string;
  stop(): Promise<void>;
}
