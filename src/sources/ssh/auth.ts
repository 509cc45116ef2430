/**
 * Public-key authentication for one hop, as ssh does it without prompting: the agent first
 * (SSH_AUTH_SOCK or IdentityAgent), then each identity file. Encrypted key files are skipped
 * with a note (netwatch never asks for a passphrase: load such keys into ssh-agent). With
 * IdentitiesOnly the agent may only offer keys that belong to the configured identity files.
 */
import { readFileSync } from 'node:fs';
import ssh2 from 'ssh2';
import type { AnyAuthMethod, AuthHandlerMiddleware, IdentityCallback, ParsedKey } from 'ssh2';
import type { SshHop } from './config.js';

const { utils, OpenSSHAgent } = ssh2;

export interface AuthPlan {
  handler: AuthHandlerMiddleware;
  /** what will be offered, for the "authentication failed" line */
  describe(): string;
  notes: string[];
}

interface LoadedKey {
  path: string;
  data?: Buffer;
  /** public blob, from the private key or path.pub */
  pub?: Buffer;
}

function parse(data: Buffer): ParsedKey | Error {
  const k = utils.parseKey(data);
  return Array.isArray(k) ? (k[0] as ParsedKey) : (k as ParsedKey | Error);
}

function loadKey(path: string, configured: boolean, notes: string[]): LoadedKey | null {
  let data: Buffer;
  try {
    data = readFileSync(path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (configured || code !== 'ENOENT') notes.push(`identity file ${path}: ${code ?? (e as Error).message}`);
    return null;
  }
  const key: LoadedKey = { path };
  const parsed = parse(data);
  if (parsed instanceof Error) {
    if (/encrypted|passphrase/i.test(parsed.message)) {
      notes.push(`identity file ${path} is passphrase-protected: skipped (add it to ssh-agent instead)`);
    } else {
      notes.push(`identity file ${path}: ${parsed.message}`);
    }
  } else if (!parsed.isPrivateKey()) {
    notes.push(`identity file ${path} is a public key, not a private key: skipped`);
  } else {
    key.data = data;
    key.pub = parsed.getPublicSSH();
  }
  if (!key.pub) {
    try {
      const pub = parse(readFileSync(`${path}.pub`));
      if (!(pub instanceof Error)) key.pub = pub.getPublicSSH();
    } catch {
      /* no .pub */
    }
  }
  return key;
}

/** An agent that only lists the keys whose public blobs are in `allowed`. */
class FilteredAgent extends OpenSSHAgent {
  constructor(
    socketPath: string,
    private readonly allowed: readonly Buffer[],
  ) {
    super(socketPath);
  }

  override getIdentities(cb: IdentityCallback<ParsedKey>): void {
    super.getIdentities((err, keys) => {
      cb(err, keys?.filter((k) => {
        const key = 'getPublicSSH' in k ? k : k.pubKey;
        return 'getPublicSSH' in key && this.allowed.some((b) => b.equals(key.getPublicSSH()));
      }));
    });
  }
}

export function planAuth(hop: SshHop): AuthPlan {
  const notes: string[] = [];
  const keys = hop.identityFiles
    .map((p) => loadKey(p, hop.identityFilesConfigured, notes))
    .filter((k): k is LoadedKey => k !== null);
  const methods: AnyAuthMethod[] = [];
  const offered: string[] = [];
  if (hop.identityAgent) {
    const allowed = keys.map((k) => k.pub).filter((b): b is Buffer => b !== undefined);
    const agent = hop.identitiesOnly ? new FilteredAgent(hop.identityAgent, allowed) : hop.identityAgent;
    methods.push({ type: 'agent', username: hop.user, agent });
    offered.push(`ssh-agent at ${hop.identityAgent}${hop.identitiesOnly ? ' (IdentitiesOnly)' : ''}`);
  }
  for (const k of keys) {
    if (!k.data) continue;
    methods.push({ type: 'publickey', username: hop.user, key: k.data });
    offered.push(k.path);
  }
  let next = 0;
  const handler: AuthHandlerMiddleware = (methodsLeft) => {
    while (next < methods.length) {
      const m = methods[next++]!;
      if (!methodsLeft || methodsLeft.includes('publickey')) return m;
    }
    return false;
  };
  const describe = () =>
    offered.length
      ? `tried ${offered.join(', ')}`
      : `no key to offer: no ssh-agent (SSH_AUTH_SOCK unset) and no usable key in ${hop.identityFiles.join(', ')}`;
  return { handler, describe, notes };
}
