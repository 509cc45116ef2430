/**
 * OpenSSH host patterns (ssh_config(5) PATTERNS, sshd match.c): `*` matches any run of
 * characters, `?` exactly one; a pattern list is matched entry by entry and a matching negated
 * entry (`!pattern`) makes the whole list fail, whatever else matched. ssh_config Host lines
 * compare exactly (`ssh NODE-A` does not match `Host node-*`); known_hosts compares
 * case-insensitively (`fold`), as OpenSSH's match_hostname lowercases both sides.
 */

/** One pattern against one name (no negation). */
export function matchPattern(pattern: string, text: string, fold = false): boolean {
  const p = fold ? pattern.toLowerCase() : pattern;
  const s = fold ? text.toLowerCase() : text;
  // Iterative glob with single-star backtracking: linear in practice, no regex built from input.
  let pi = 0;
  let si = 0;
  let starP = -1;
  let starS = 0;
  while (si < s.length) {
    const pc = p[pi];
    if (pc === '*') {
      starP = pi++;
      starS = si;
    } else if (pc !== undefined && (pc === '?' || pc === s[si])) {
      pi++;
      si++;
    } else if (starP >= 0) {
      pi = starP + 1;
      si = ++starS;
    } else {
      return false;
    }
  }
  while (p[pi] === '*') pi++;
  return pi === p.length;
}

/**
 * A list of patterns (already split): true when some positive entry matches and no negated one
 * does. A list of only negations never matches, as in OpenSSH.
 */
export function matchPatternList(patterns: readonly string[], text: string, fold = false): boolean {
  let matched = false;
  for (const raw of patterns) {
    const negated = raw.startsWith('!');
    const pattern = negated ? raw.slice(1) : raw;
    if (!matchPattern(pattern, text, fold)) continue;
    if (negated) return false;
    matched = true;
  }
  return matched;
}
