import { parseDestination } from './destination.js';
import { assembleHostKeyAlgorithms } from './hostKeyAlgorithms.js';
import { matchPatternList } from './pattern.js';

/**
 * Every keyword OpenSSH's client accepts in ssh_config (readconf.c of OpenSSH 9.x, Debian's GSSAPI
 * additions, and the deprecated/unsupported ones ssh still tolerates), lowercased. Like ssh, an
 * unknown keyword makes the file invalid unless `IgnoreUnknown` lists it; netwatch reads only a
 * few of these (see config.ts), the others are accepted and ignored.
 */
export const SSH_CONFIG_KEYWORDS: ReadonlySet<string> = new Set(
  `host match include ignoreunknown
  addkeystoagent addressfamily batchmode bindaddress bindinterface canonicaldomains
  canonicalizefallbacklocal canonicalizehostname canonicalizemaxdots canonicalizepermittedcnames
  casignaturealgorithms certificatefile channeltimeout checkhostip ciphers clearallforwardings
  compression connectionattempts connecttimeout controlmaster controlpath controlpersist
  dynamicforward enableescapecommandline enablesshkeysign escapechar exitonforwardfailure
  fingerprinthash forkafterauthentication forwardagent forwardx11 forwardx11timeout
  forwardx11trusted gatewayports globalknownhostsfile gssapiauthentication
  gssapiclientidentity gssapidelegatecredentials gssapikeyexchange gssapikexalgorithms
  gssapirenewalforcesrekey gssapiserveridentity gssapitrustdns hashknownhosts
  hostbasedacceptedalgorithms hostbasedauthentication hostbasedkeytypes hostkeyalgorithms
  hostkeyalias hostname identitiesonly identityagent identityfile ignorercfile ipqos
  kbdinteractiveauthentication kbdinteractivedevices kexalgorithms knownhostscommand
  localcommand localforward loglevel logverbose macs nohostauthenticationforlocalhost
  numberofpasswordprompts obscurekeystroketiming passwordauthentication permitlocalcommand
  permitremoteopen pkcs11provider port preferredauthentications proxycommand proxyjump
  proxyusefdpass pubkeyacceptedalgorithms pubkeyacceptedkeytypes pubkeyauthentication
  rekeylimit remotecommand remoteforward requesttty requiredrsasize revokedhostkeys
  securitykeyprovider sendenv serveralivecountmax serveraliveinterval sessiontype setenv
  stdinnull streamlocalbindmask streamlocalbindunlink stricthostkeychecking syslogfacility
  tag tcpkeepalive tunnel tunneldevice updatehostkeys user userknownhostsfile verifyhostkeydns
  visualhostkey xauthlocation
  challengeresponseauthentication dsaauthentication skeyauthentication tisauthentication
  afstokenpassing cipher compressionlevel fallbacktorsh globalknownhostsfile2 kerberosauthentication
  kerberostgtpassing protocol rhostsauthentication rhostsrsaauthentication rsaauthentication
  smartcarddevice useprivilegedport useroaming usersh userknownhostsfile2 useblacklistedkeys
  protocolkeepalives setupkeepalive`
    .split(/\s+/)
    .filter(Boolean),
);

const NUMBERS: Record<string, [number, number]> = {
  serveralivecountmax: [0, 1000],
};
/** keywords whose value is a time (sshd_config(5) TIME FORMATS) */
const TIMES = new Set(['connecttimeout', 'serveraliveinterval']);

const TIME_UNITS: Record<string, number> = { '': 1, s: 1, m: 60, h: 3600, d: 86400, w: 604800 };

/**
 * Seconds in an sshd_config(5) time value: `90`, `30s`, `1m`, `1h30m`, `1w` (units s m h d w in
 * either case, summed; OpenSSH's convtime). null when it is not one.
 */
export function parseTimeValue(text: string): number | null {
  const v = text.trim().toLowerCase();
  if (!/^(\d+[smhdw]?)+$/.test(v)) return null;
  let total = 0;
  for (const m of v.matchAll(/(\d+)([smhdw]?)/g)) total += Number(m[1]) * TIME_UNITS[m[2]!]!;
  return Number.isSafeInteger(total) && total <= 2 ** 31 - 1 ? total : null;
}

/** A service name to a port, as getservbyname(3) reads /etc/services. */
export type ServiceLookup = (name: string) => number | undefined;

/** OpenSSH's a2port: a decimal 1-65535, else a TCP service name. null when neither. */
export function parsePort(text: string, services?: ServiceLookup): number | null {
  const v = text.trim();
  if (/^\d+$/.test(v)) return +v >= 1 && +v <= 65535 ? +v : null;
  const p = services?.(v);
  return p !== undefined && p >= 1 && p <= 65535 ? p : null;
}

/** /etc/services text to a lookup (names and aliases of tcp entries). Pure. */
export function parseServices(text: string): ServiceLookup {
  const map = new Map<string, number>();
  for (const raw of text.split('\n')) {
    const f = raw.replace(/#.*/, '').trim().split(/\s+/);
    const m = /^(\d+)\/tcp$/.exec(f[1] ?? '');
    if (!m) continue;
    for (const name of [f[0]!, ...f.slice(2)]) if (!map.has(name)) map.set(name, Number(m[1]));
  }
  return (name) => map.get(name);
}
const CHOICES: Record<string, readonly string[]> = {
  stricthostkeychecking: ['yes', 'no', 'ask', 'accept-new', 'off', 'true', 'false'],
  identitiesonly: ['yes', 'no', 'true', 'false'],
  hashknownhosts: ['yes', 'no', 'true', 'false'],
  addressfamily: ['any', 'inet', 'inet6'],
};

/**
 * What ssh would reject in one directive (checked on every line, in a block that applies or
 * not, as ssh does), or null. Values are checked only for the keywords netwatch reads.
 */
export function directiveProblem(
  param: string,
  args: readonly string[],
  ignoreUnknown: readonly string[],
  services?: ServiceLookup,
): string | null {
  const name = param.trim();
  const k = name.toLowerCase();
  const v = (args[0] ?? '').trim().toLowerCase();
  if (name !== param || v === '') return `no argument after keyword "${k}"`;
  if (!SSH_CONFIG_KEYWORDS.has(k) && !matchPatternList(ignoreUnknown, k, true)) return `bad configuration option: ${name}`;
  const range = NUMBERS[k];
  if (range && (!/^\d+$/.test(v) || +v < range[0] || +v > range[1])) return `${name} ${args.join(' ')}: not a valid number`;
  if (TIMES.has(k) && parseTimeValue(v) === null) return `${name} ${args.join(' ')}: invalid time value`;
  if (k === 'port' && parsePort(args[0]!, services) === null) return `Bad port '${args[0]!.trim()}'`;
  if (k === 'hostkeyalgorithms') {
    if (args.length > 1) return `keyword ${k} extra arguments at end of line`;
    if (!assembleHostKeyAlgorithms(args[0]!.trim())) return `Bad key types '${args[0]!.trim()}'`;
  }
  const choices = CHOICES[k];
  if (choices && !choices.includes(v)) return `${name} ${args.join(' ')}: expected one of ${choices.join(', ')}`;
  if (k === 'proxyjump' && v !== 'none') {
    try {
      for (const hop of v.split(',')) parseDestination(hop.trim());
    } catch (e) {
      return `ProxyJump: ${(e as Error).message}`;
    }
  }
  return null;
}
