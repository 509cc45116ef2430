/** The sampler's "facts" section (slow ticks). Pure. */
import type { NodeFacts } from '../types.js';

export function parseFacts(lines: readonly string[]): NodeFacts {
  const facts: NodeFacts = { sysctl: {} };
  for (const line of lines) {
    const sp = line.indexOf(' ');
    if (sp < 0) continue;
    const key = line.slice(0, sp);
    const val = line.slice(sp + 1);
    switch (key) {
      case 'hostname':
        facts.hostname = val;
        break;
      case 'kernel':
        facts.kernel = val;
        break;
      case 'os':
        facts.os = val.replace(/^"(.*)"$/, '$1');
        break;
      case 'memtotal':
        facts.memTotalKb = Number(val);
        break;
      case 'selinux':
        facts.selinuxEnforcing = val.trim() === '1';
        break;
      case 'sysctl': {
        // "net/ipv4/ip_forward:1" (grep -H)
        const c = val.indexOf(':');
        if (c <= 0) break;
        const key = val.slice(0, c).replace(/\//g, '.');
        const v = val.slice(c + 1).replace(/\t/g, ' ');
        if (key === 'kernel.hostname') facts.hostname = v;
        else if (key === 'kernel.osrelease') facts.kernel = v;
        else facts.sysctl[key] = v;
        break;
      }
    }
  }
  return facts;
}
