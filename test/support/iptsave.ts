/**
 * TESTS ONLY: a small iptables-save text -> IptRuleset reader so that the service-rules tests can
 * run on real kube-proxy output. The product's parser (src/sources/parsers, another part of
 * issue 10) replaces it once merged; this one reads just the fields service-rules uses.
 */
import type { IptChain, IptRule, IptRuleset } from '../../src/sources/types.js';

function tokens(s: string): string[] {
  const out: string[] = [];
  const re = /"((?:[^"\\]|\\.)*)"|(\S+)/g;
  let m: RegExpExecArray | null;
  while ((m = re.exec(s))) out.push(m[1] !== undefined ? m[1].replace(/\\(.)/g, '$1') : m[2]!);
  return out;
}

export function parseIptablesSave(text: string, hash = 'test'): IptRuleset {
  const tables: Record<string, Record<string, IptChain>> = {};
  let table: Record<string, IptChain> | undefined;
  let ruleCount = 0;
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (!line || line.startsWith('#') || line === 'COMMIT') continue;
    if (line.startsWith('*')) {
      table = tables[line.slice(1)] = {};
      continue;
    }
    if (!table) continue;
    if (line.startsWith(':')) {
      const [name, policy] = line.slice(1).split(/\s+/);
      table[name!] = { ...(policy && policy !== '-' ? { policy } : {}), rules: [] };
      continue;
    }
    if (!line.startsWith('-A ')) continue;
    const t = tokens(line);
    const chain = t[1]!;
    const spec = line.slice(3 + chain.length + 1);
    const r: IptRule = { spec };
    for (let i = 2; i < t.length; i++) {
      const k = t[i];
      const v = t[i + 1];
      const neg = t[i - 1] === '!' ? '!' : '';
      if (k === '-j' || k === '-g') r.target = v;
      else if (k === '--comment') r.comment = v;
      else if (k === '-s') r.source = neg + v;
      else if (k === '-d') r.dest = neg + v;
      else if (k === '-p') r.proto = v;
      else if (k === '--dport') r.dport = v;
      else if (k === '-i') r.inIface = v;
      else if (k === '-o') r.outIface = v;
      else if (k === '--to-destination') r.toDestination = v;
    }
    (table[chain] ??= { rules: [] }).rules.push(r);
    ruleCount++;
  }
  return { hash, tables, ruleCount };
}
