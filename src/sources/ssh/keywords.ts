import { parseDestination } from './destination.js';
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
  port: [1, 65535],
  connecttimeout: [0, 86400],
  serveraliveinterval: [0, 86400],
  serveralivecountmax: [0, 1000],
};
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
export function directiveProblem(param: string, args: readonly string[], ignoreUnknown: readonly string[]): string | null {
  const name = param.trim();
  const k = name.toLowerCase();
  const v = (args[0] ?? '').trim().toLowerCase();
  if (name !== param || v === '') return `no argument after keyword "${k}"`;
  if (!SSH_CONFIG_KEYWORDS.has(k) && !matchPatternList(ignoreUnknown, k, true)) return `bad configuration option: ${name}`;
  const range = NUMBERS[k];
  if (range && (!/^\d+$/.test(v) || +v < range[0] || +v > range[1])) return `${name} ${args.join(' ')}: not a valid number`;
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
