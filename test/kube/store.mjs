// The object store behind the test API server: objects by resource, one resourceVersion counter
// for everything (as etcd's revision), a bounded history of events for watches that resume from a
// resourceVersion, and the fan-out of new events to open watches.

import { randomUUID } from 'node:crypto';

/** @typedef {'nodes' | 'pods' | 'services' | 'endpointslices'} Resource */
/** @typedef {'ADDED' | 'MODIFIED' | 'DELETED'} EventType */
/** @typedef {{ rv: number, resource: Resource, type: EventType, object: any, prev: any }} StoreEvent */
/** @typedef {{ resource: Resource, onEvent: (ev: StoreEvent) => void }} Subscriber */

export const KINDS = /** @type {const} */ ({ nodes: 'Node', pods: 'Pod', services: 'Service', endpointslices: 'EndpointSlice' });
/** apiVersion of each resource's objects */
export const API_VERSIONS = /** @type {const} */ ({ nodes: 'v1', pods: 'v1', services: 'v1', endpointslices: 'discovery.k8s.io/v1' });
/** namespaced resources */
export const NAMESPACED = new Set(['pods', 'services', 'endpointslices']);

/**
 * A Status object as the API server sends with errors.
 * @param {number} code
 * @param {string} reason
 * @param {string} message
 * @param {object} [details]
 */
export function status(code, reason, message, details) {
  return { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason, ...(details ? { details } : {}), code };
}

/** @param {any} obj */
export function keyOf(obj) {
  const m = obj?.metadata ?? {};
  return m.namespace ? `${m.namespace}/${m.name}` : String(m.name);
}

export class Store {
  /** @param {{ historyLimit?: number, firstResourceVersion?: number }} [opts] */
  constructor(opts = {}) {
    this.historyLimit = opts.historyLimit ?? 1000;
    /** the last resourceVersion handed out */
    this.rv = opts.firstResourceVersion ?? 1000;
    /** events with rv > floor are all in history; a watch from an older rv gets 410 */
    this.floor = this.rv;
    /** @type {Record<Resource, Map<string, any>>} */
    this.objects = { nodes: new Map(), pods: new Map(), services: new Map(), endpointslices: new Map() };
    /** @type {StoreEvent[]} */
    this.history = [];
    /** @type {Set<Subscriber>} */
    this.subscribers = new Set();
  }

  /**
   * Create or replace an object; returns the stored copy.
   * @param {Resource} resource
   * @param {any} input
   */
  put(resource, input) {
    const obj = structuredClone(input);
    obj.kind = KINDS[resource];
    obj.apiVersion = API_VERSIONS[resource];
    obj.metadata = obj.metadata ?? {};
    if (!obj.metadata.name) throw new Error(`${resource}: metadata.name is required`);
    if (NAMESPACED.has(resource)) obj.metadata.namespace = obj.metadata.namespace || 'default';
    else delete obj.metadata.namespace;
    const key = keyOf(obj);
    const prev = this.objects[resource].get(key);
    obj.metadata.uid = obj.metadata.uid ?? prev?.metadata.uid ?? randomUUID();
    obj.metadata.creationTimestamp =
      obj.metadata.creationTimestamp ?? prev?.metadata.creationTimestamp ?? new Date().toISOString().replace(/\.\d+Z$/, 'Z');
    obj.metadata.resourceVersion = String(++this.rv);
    this.objects[resource].set(key, obj);
    this.record({ rv: this.rv, resource, type: prev ? 'MODIFIED' : 'ADDED', object: obj, prev });
    return structuredClone(obj);
  }

  /**
   * @param {Resource} resource
   * @param {string} key  'ns/name' for namespaced resources, 'name' for nodes
   * @returns {boolean} whether it existed
   */
  remove(resource, key) {
    const prev = this.objects[resource].get(key);
    if (!prev) return false;
    this.objects[resource].delete(key);
    const obj = structuredClone(prev);
    obj.metadata.resourceVersion = String(++this.rv);
    this.record({ rv: this.rv, resource, type: 'DELETED', object: obj, prev });
    return true;
  }

  /** @param {StoreEvent} ev */
  record(ev) {
    this.history.push(ev);
    while (this.history.length > this.historyLimit) {
      const dropped = this.history.shift();
      if (dropped) this.floor = dropped.rv;
    }
    for (const s of this.subscribers) if (s.resource === ev.resource) s.onEvent(ev);
  }

  /** Forget all history: any watch resuming from an older resourceVersion gets 410 Gone. */
  compact() {
    this.history = [];
    this.floor = this.rv;
  }

  /**
   * Events of a resource after `rv`, or null when some of them were compacted away.
   * @param {Resource} resource
   * @param {number} rv
   */
  eventsSince(resource, rv) {
    if (rv < this.floor) return null;
    return this.history.filter((e) => e.resource === resource && e.rv > rv);
  }

  /** @param {Resource} resource */
  list(resource) {
    return [...this.objects[resource].values()];
  }

  /** @param {Subscriber} s */
  subscribe(s) {
    this.subscribers.add(s);
    return () => this.subscribers.delete(s);
  }
}
