/** kube-proxy-like iptables-restore input (iptables-rules.mjs) */
export function kubeProxyRestore(services: number, opts?: { seed?: number; forwardDrop?: boolean }): string;
