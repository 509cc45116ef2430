/**
 * How often the sampler reads each section (remote/sampler.sh flags), in ticks. sampler.ts asks
 * for them at this rate and the node model (state/model.ts) expects them at this rate: a value
 * older than about twice its period is stale.
 */
export const EVERY = {
  /** mtu/flags/hairpin */
  m: 5,
  /** neighbours, IPv4 routes, bridge fdb, pod cgroups, TCP state counts (and on a new interface) */
  r: 15,
  /** interface identity (and on a new interface) */
  k: 60,
  /** facts, sysctls, IPv6 routes */
  s: 60,
} as const;
