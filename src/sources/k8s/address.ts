/**
 * Which address netwatch connects to for a node. Pure functions.
 *
 * A Host entry in ~/.ssh/config that matches the node name wins (as `gcloud compute config-ssh`
 * writes them): then the node name itself is given to ssh, which resolves it through that entry.
 * Otherwise the first status.addresses entry of the asked type (InternalIP by default; the
 * kubelet lists the primary address of a type first).
 */

export const ADDRESS_TYPES = ['InternalIP', 'ExternalIP', 'Hostname', 'InternalDNS', 'ExternalDNS'] as const;
export type AddressType = (typeof ADDRESS_TYPES)[number];

export interface AddressOptions {
  /** --address-type (default InternalIP) */
  type?: AddressType;
  /** whether ~/.ssh/config has a Host entry matching this name (supplied by the ssh config resolver) */
  hasSshHostEntry?: (name: string) => boolean;
}

export type AddressChoice =
  | { ok: true; address: string; via: AddressType | 'ssh-config' }
  | { ok: false; error: string };

/** `--address-type` value, case-insensitive; throws a one-line error naming the valid ones. */
export function parseAddressType(s: string): AddressType {
  const t = ADDRESS_TYPES.find((a) => a.toLowerCase() === s.trim().toLowerCase());
  if (!t) throw new Error(`unknown --address-type "${s}": use one of ${ADDRESS_TYPES.join(', ')}`);
  return t;
}

export function chooseAddress(
  node: { name: string; addresses: readonly { type: string; address: string }[] },
  opts: AddressOptions = {},
): AddressChoice {
  if (opts.hasSshHostEntry?.(node.name)) return { ok: true, address: node.name, via: 'ssh-config' };
  const type = opts.type ?? 'InternalIP';
  const hit = node.addresses.find((a) => a.type === type && a.address !== '');
  if (hit) return { ok: true, address: hit.address, via: type };
  const has = [...new Set(node.addresses.map((a) => a.type))];
  const alt = has.includes('InternalIP') && type !== 'InternalIP' ? 'InternalIP' : has[0];
  const fix = alt ? `use --address-type ${alt} or add` : 'add';
  return {
    ok: false,
    error: `node ${node.name} has no ${type} address (${has.length > 0 ? `it has ${has.join(', ')}` : 'it lists no addresses'}): ${fix} a Host ${node.name} entry to ~/.ssh/config`,
  };
}
