// Types of the object builders (objects.mjs), for the TypeScript tests.

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Obj = any;

export interface NodeOptions {
  name: string;
  /** value for the template's pool label(s) */
  pool?: string;
  internalIP?: string;
  /** null removes ExternalIP and ExternalDNS */
  externalIP?: string | null;
  /** replaces status.addresses entirely */
  addresses?: { type: string; address: string }[];
  /** null removes spec.podCIDR(s) */
  podCIDR?: string | null;
  ready?: boolean;
  labels?: Record<string, string>;
}

export interface PodOptions {
  name: string;
  namespace?: string;
  /** spec.nodeName; null leaves the pod unscheduled */
  node?: string | null;
  ip?: string;
  ips?: string[];
  hostIP?: string;
  uid?: string;
  labels?: Record<string, string>;
  phase?: string;
  /** the controller, written to metadata.ownerReferences with controller: true */
  owner?: { kind: string; name: string };
}

export declare const FIXTURES_DIR: string;
export declare const NODE_TEMPLATES: Record<'gke' | 'eks' | 'eks-karpenter' | 'aks' | 'kops', { file: string; poolLabels: string[] }>;
export declare const POD_TEMPLATES: Record<'gke' | 'eks' | 'hostnetwork' | 'pending', string>;
export declare function fixture(name: string): Obj;
export declare function makeNode(template: keyof typeof NODE_TEMPLATES, opts: NodeOptions): Obj;
export declare function makePod(template: keyof typeof POD_TEMPLATES, opts: PodOptions): Obj;

export interface ServiceOptions {
  name: string;
  namespace?: string;
  clusterIP: string;
  clusterIPs?: string[];
  type?: string;
  labels?: Record<string, string>;
  selector?: Record<string, string>;
  ports: { name?: string; port: number; protocol?: string; targetPort?: number | string }[];
}

export interface EndpointSliceOptions {
  /** the Service it belongs to (label kubernetes.io/service-name) */
  service: string;
  namespace?: string;
  /** default: SERVICE-xxxxx as the controller names them */
  name?: string;
  endpoints: { ip: string; ready?: boolean; node?: string; pod?: string }[];
  /** endpoints.kubernetes.io/last-change-trigger-time, ms (default now) */
  changedAt?: number;
  /** the endpoint ports (the Service's targetPorts, resolved) */
  ports: { name?: string; port: number; protocol?: string }[];
}

export declare function makeService(o: ServiceOptions): Obj;
export declare function makeEndpointSlice(o: EndpointSliceOptions): Obj;
