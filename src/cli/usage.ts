/** Usage errors in netwatch's words, and the parsing of kubectl-style durations. Pure. */

export class UsageError extends Error {}

/** the names parseArgs knows, for messages */
const LONG = [
  'hosts', 'accept-new-host-keys', 'interval', 'once', 'json', 'output', 'readonly', 'processes', 'nodes', 'service', 'selector', 'kubeconfig', 'context',
  'address-type', 'no-capture-summary', 'capture-summary-every', 'tcpdump', 'capture-dir', 'filter', 'seconds', 'count', 'snaplen',
  'log', 'config', 'connect-timeout', 'request-timeout', 'fail-on', 'help', 'version',
  'duration', 'max-size', 'snapshot-every', 'capture-summary', 'record', 'at', 'marks',
];

function closest(name: string): string | undefined {
  const d = (a: string, b: string) => {
    const row = Array.from({ length: b.length + 1 }, (_, i) => i);
    for (let i = 1; i <= a.length; i++) {
      let prev = row[0]!;
      row[0] = i;
      for (let j = 1; j <= b.length; j++) {
        const t = row[j]!;
        row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
        prev = t;
      }
    }
    return row[b.length]!;
  };
  const best = LONG.map((l) => [l, l.startsWith(name) && name.length >= 3 ? 0 : d(name, l)] as const).sort((a, b) => a[1] - b[1])[0];
  return best && best[1] <= Math.max(1, Math.floor(name.length / 3)) ? best[0] : undefined;
}

/** node:util parseArgs' error, said in netwatch's words (its own text names internals) */
export function parseArgsProblem(e: Error & { code?: string }, argv: readonly string[]): string {
  const opt = /'(--?[^' <=,]+)/.exec(e.message)?.[1] ?? '';
  switch (e.code) {
    case 'ERR_PARSE_ARGS_UNKNOWN_OPTION': {
      const hint = opt.startsWith('--') ? closest(opt.slice(2)) : undefined;
      return `unknown option ${opt}${hint ? ` (did you mean --${hint}?)` : ''}`;
    }
    case 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE': {
      if (/does not take an argument/.test(e.message)) return `${opt} takes no value`;
      const i = argv.findIndex((a) => a === opt || (opt.length === 2 && a.startsWith(opt)));
      const next = i >= 0 ? argv[i + 1] : undefined;
      if (next === undefined) return `${opt} needs a value`;
      return `${opt} needs a value, and ${JSON.stringify(next)} looks like an option (write ${opt}=${next} if it is the value)`;
    }
    case 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL':
      return `unexpected argument ${JSON.stringify(/'([^']*)'/.exec(e.message)?.[1] ?? '')}`;
    default:
      return `cannot read the command line (${argv.join(' ')})`;
  }
}

const UNIT_MS: Record<string, number> = { ns: 1e-6, us: 1e-3, µs: 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** kubectl's --request-timeout: a Go duration (10s, 1m30s, 500ms) or plain seconds; 0 = none */
export function parseRequestTimeout(v: string): number {
  const t = v.trim();
  const bad = () => new UsageError(`--request-timeout must be a duration such as 10s, 1m or plain seconds (0 = no timeout), not ${JSON.stringify(v)}`);
  if (/^\d+(\.\d+)?$/.test(t)) return Math.round(Number(t) * 1000);
  if (!/^((\d+(\.\d+)?)(ns|us|µs|ms|s|m|h))+$/.test(t)) throw bad();
  let ms = 0;
  for (const m of t.matchAll(/(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)/g)) ms += Number(m[1]) * UNIT_MS[m[2]!]!;
  if (!Number.isFinite(ms) || ms > 24 * 3_600_000) throw bad();
  return Math.round(ms);
}
