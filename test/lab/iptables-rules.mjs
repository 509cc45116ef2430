/**
 * kube-proxy-like rule sets (iptables mode) for the lab: `iptables-restore` input with the chains
 * and rule shapes kube-proxy writes (KUBE-SERVICES -> KUBE-SVC-* -> KUBE-SEP-* DNAT), N Services
 * of 2 endpoints each: 7 rules per Service plus 10 fixed ones. Addresses in 198.18.0.0/15 only.
 */
/** @param {number} services @param {{ seed?: number, forwardDrop?: boolean }} [opts] @returns {string} */
export function kubeProxyRestore(services, opts = {}) {
  const h = (/** @type {string} */ s) => {
    let x = opts.seed ?? 7;
    for (const c of s) x = (x * 31 + c.charCodeAt(0)) >>> 0;
    return x.toString(36).toUpperCase().padStart(8, '0').slice(-8);
  };
  const vip = (/** @type {number} */ i) => `198.19.${(i >> 8) & 255}.${i & 255}`;
  const ep = (/** @type {number} */ i, /** @type {number} */ k) => `198.18.${100 + ((i * 2 + k) >> 8)}.${(i * 2 + k) & 255}`;
  const chains = [];
  const rules = [];
  for (let i = 0; i < services; i++) {
    const name = `ns${i % 10}/svc-${i}:http`;
    const svc = `KUBE-SVC-${h(`svc${i}`)}${h(`x${i}`)}`;
    chains.push(`:${svc} - [0:0]`);
    rules.push(`-A KUBE-SERVICES -d ${vip(i)}/32 -p tcp -m comment --comment "${name} cluster IP" -m tcp --dport 80 -j ${svc}`);
    for (let k = 0; k < 2; k++) {
      const sep = `KUBE-SEP-${h(`sep${i}.${k}`)}${h(`y${i}.${k}`)}`;
      chains.push(`:${sep} - [0:0]`);
      rules.push(
        k === 0
          ? `-A ${svc} -m comment --comment "${name} -> ${ep(i, k)}:8080" -m statistic --mode random --probability 0.50000000000 -j ${sep}`
          : `-A ${svc} -m comment --comment "${name} -> ${ep(i, k)}:8080" -j ${sep}`,
      );
      rules.push(`-A ${sep} -s ${ep(i, k)}/32 -m comment --comment "${name}" -j KUBE-MARK-MASQ`);
      rules.push(`-A ${sep} -p tcp -m comment --comment "${name}" -m tcp -j DNAT --to-destination ${ep(i, k)}:8080`);
    }
  }
  return [
    '*filter',
    `:INPUT ACCEPT [0:0]`,
    `:FORWARD ${opts.forwardDrop ? 'DROP' : 'ACCEPT'} [0:0]`,
    ':OUTPUT ACCEPT [0:0]',
    ':KUBE-FORWARD - [0:0]',
    '-A FORWARD -m comment --comment "kubernetes forwarding rules" -j KUBE-FORWARD',
    '-A KUBE-FORWARD -m conntrack --ctstate INVALID -j DROP',
    '-A KUBE-FORWARD -m comment --comment "kubernetes forwarding rules" -m mark --mark 0x4000/0x4000 -j ACCEPT',
    'COMMIT',
    '*nat',
    ':PREROUTING ACCEPT [0:0]',
    ':INPUT ACCEPT [0:0]',
    ':OUTPUT ACCEPT [0:0]',
    ':POSTROUTING ACCEPT [0:0]',
    ':KUBE-MARK-DROP - [0:0]',
    ':KUBE-MARK-MASQ - [0:0]',
    ':KUBE-POSTROUTING - [0:0]',
    ':KUBE-SERVICES - [0:0]',
    ...chains,
    '-A PREROUTING -m comment --comment "kubernetes service portals" -j KUBE-SERVICES',
    '-A OUTPUT -m comment --comment "kubernetes service portals" -j KUBE-SERVICES',
    '-A POSTROUTING -m comment --comment "kubernetes postrouting rules" -j KUBE-POSTROUTING',
    '-A KUBE-MARK-DROP -j MARK --set-xmark 0x8000/0x8000',
    '-A KUBE-MARK-MASQ -j MARK --set-xmark 0x4000/0x4000',
    '-A KUBE-POSTROUTING -m mark ! --mark 0x4000/0x4000 -j RETURN',
    '-A KUBE-POSTROUTING -m comment --comment "kubernetes service traffic requiring SNAT" -j MASQUERADE --random-fully',
    ...rules,
    'COMMIT',
    '',
  ].join('\n');
}
