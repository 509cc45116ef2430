/**
 * iptables-save text → IptRuleset for tests: the product's parser (src/sources/parsers/iptables.ts)
 * over the text's lines, so tests read fixtures exactly as netwatch reads a node's rules.
 */
import { parseIptablesSave as parseLines } from '../../src/sources/parsers/iptables.js';
import type { IptRuleset } from '../../src/sources/types.js';

export function parseIptablesSave(text: string, hash = 'test'): IptRuleset {
  return parseLines(text.split('\n'), hash);
}
