/**
 * known_hosts as OpenSSH reads it (sshd(8) SSH_KNOWN_HOSTS FILE FORMAT): host patterns with
 * wildcards and negation, comma lists, `[host]:port` for ports other than 22, hashed
 * `|1|salt|hmac-sha1` names, `@revoked` keys (refused) and `@cert-authority` lines (host
 * certificates are not used by netwatch: ignored, with a note). Parsing and checking are pure;
 * reading and appending files are the two small functions at the end.
 */
import { createHash, createHmac, randomBytes } from 'node:crypto';
import { appendFileSync, mkdirSync, readFileSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import { matchPatternList } from './pattern.js';

export type HostKeyStatus = 'match' | 'unknown' | 'changed' | 'revoked';

export type KnownHostsNames =
  | { kind: 'patterns'; patterns: string[] }
  | { kind: 'hashed'; salt: Buffer; hash: Buffer };

export interface KnownHostsEntry {
  file: string;
  /** 1-based */
  line: number;
  marker: 'revoked' | 'cert-authority' | null;
  names: KnownHostsNames;
  /** the key type as written (ssh-ed25519, ecdsa-sha2-nistp256, ssh-rsa, ...) */
  keyType: string;
  /** the public key blob (base64-decoded) */
  key: Buffer;
}

export interface HostKeyCheck {
  status: HostKeyStatus;
  /** the name looked up: host, or [host]:port */
  name: string;
  keyType: string;
  fingerprint: string;
  /** for match/revoked: the entry that matched; for changed: the entry with the other key */
  entry?: KnownHostsEntry;
  /** for changed: every entry known for the name (of this key type or another) */
  known?: KnownHostsEntry[];
  /** for match: found under the port-less name (a non-22 port, as ssh falls back to) */
  portless?: boolean;
}

/** The name known_hosts stores for a host: `host` on port 22, else `[host]:port`. */
export function knownHostsName(host: string, port: number): string {
  const h = host.toLowerCase();
  return port === 22 ? h : `[${h}]:${port}`;
}

/** The type string inside an SSH public key blob. */
export function keyTypeOf(blob: Buffer): string {
  if (blob.length < 4) return '';
  const n = blob.readUInt32BE(0);
  return n > 0 && 4 + n <= blob.length ? blob.subarray(4, 4 + n).toString('latin1') : '';
}

/** OpenSSH's `SHA256:` fingerprint: base64 of the SHA-256 of the blob, without padding. */
export function fingerprintSha256(blob: Buffer): string {
  return 'SHA256:' + createHash('sha256').update(blob).digest('base64').replace(/=+$/, '');
}

/** ED25519, ECDSA, RSA... as ssh prints them in its messages. */
export function displayKeyType(type: string): string {
  if (type === 'ssh-ed25519') return 'ED25519';
  if (type.startsWith('ecdsa-')) return 'ECDSA';
  if (type === 'ssh-rsa' || type.startsWith('rsa-')) return 'RSA';
  if (type === 'ssh-dss') return 'DSA';
  if (type.startsWith('sk-ssh-ed25519')) return 'ED25519-SK';
  if (type.startsWith('sk-ecdsa')) return 'ECDSA-SK';
  return type;
}

/** Keys of one family replace each other (a new ECDSA key on another curve is "changed"). */
export function family(type: string): string {
  return type.startsWith('ecdsa-sha2-') ? 'ecdsa' : type;
}

function hashName(salt: Buffer, name: string): Buffer {
  return createHmac('sha1', salt).update(name).digest();
}

export function namesMatch(names: KnownHostsNames, name: string): boolean {
  if (names.kind === 'hashed') return hashName(names.salt, name).equals(names.hash);
  return matchPatternList(names.patterns, name, true);
}

/** One known_hosts line for `name`, hashed (HashKnownHosts yes) or plain. */
export function formatKnownHostsLine(name: string, blob: Buffer, opts: { hash?: boolean; salt?: Buffer } = {}): string {
  let host = name;
  if (opts.hash) {
    const salt = opts.salt ?? randomBytes(20);
    host = `|1|${salt.toString('base64')}|${hashName(salt, name).toString('base64')}`;
  }
  return `${host} ${keyTypeOf(blob)} ${blob.toString('base64')}`;
}

function parseNames(field: string): KnownHostsNames | null {
  if (field.startsWith('|1|')) {
    const [, , salt, hash] = field.split('|');
    if (!salt || !hash) return null;
    const s = Buffer.from(salt, 'base64');
    const h = Buffer.from(hash, 'base64');
    return s.length > 0 && h.length === 20 ? { kind: 'hashed', salt: s, hash: h } : null;
  }
  if (field.startsWith('|')) return null; // an unknown hash format
  return { kind: 'patterns', patterns: field.split(',').filter(Boolean) };
}

export class KnownHosts {
  constructor(
    readonly entries: readonly KnownHostsEntry[] = [],
    /** lines skipped and markers ignored, one line each */
    readonly notes: readonly string[] = [],
  ) {}

  static parse(text: string, file = 'known_hosts'): KnownHosts {
    const entries: KnownHostsEntry[] = [];
    const notes: string[] = [];
    text.split('\n').forEach((raw, i) => {
      const line = raw.trim();
      if (!line || line.startsWith('#')) return;
      const where = `${file}:${i + 1}`;
      const f = line.split(/\s+/);
      let marker: KnownHostsEntry['marker'] = null;
      if (f[0]!.startsWith('@')) {
        const m = f.shift()!;
        if (m === '@revoked') marker = 'revoked';
        else if (m === '@cert-authority') marker = 'cert-authority';
        else return notes.push(`${where}: unknown marker ${m}, line skipped`);
      }
      const [hosts, keyType, b64] = f;
      const names = hosts ? parseNames(hosts) : null;
      if (!names || !keyType || !b64) return notes.push(`${where}: not a known_hosts line, skipped`);
      if (/^\d+$/.test(keyType)) return notes.push(`${where}: SSH1 key, skipped`);
      const key = Buffer.from(b64, 'base64');
      if (keyTypeOf(key) !== keyType) return notes.push(`${where}: no valid public key, line skipped`);
      if (marker === 'cert-authority') notes.push(`${where}: @cert-authority ignored (netwatch does not use host certificates)`);
      entries.push({ file, line: i + 1, marker, names, keyType, key });
    });
    return new KnownHosts(entries, notes);
  }

  static merge(list: readonly KnownHosts[]): KnownHosts {
    return new KnownHosts(
      list.flatMap((k) => k.entries),
      list.flatMap((k) => k.notes),
    );
  }

  private forName(name: string): KnownHostsEntry[] {
    return this.entries.filter((e) => e.marker !== 'cert-authority' && namesMatch(e.names, name));
  }

  /**
   * As OpenSSH 9.2 decides (checked against a live `ssh`): a @revoked key is refused; a key
   * known for the name matches; any other key known for the name, of this type or another, makes
   * it "changed" (a host known only by RSA that offers ED25519 has changed). A name nothing is
   * known for is looked up again without the port (non-22 ports only): only an equal key there
   * counts, as a match; anything else is unknown.
   */
  check(blob: Buffer, host: string, port: number): HostKeyCheck {
    const name = knownHostsName(host, port);
    const keyType = keyTypeOf(blob);
    const base = { name, keyType, fingerprint: fingerprintSha256(blob) };
    const forHost = this.forName(name);
    const portless = port === 22 ? [] : this.forName(knownHostsName(host, 22));
    const revoked = [...forHost, ...portless].find((e) => e.marker === 'revoked' && e.key.equals(blob));
    if (revoked) return { ...base, status: 'revoked', entry: revoked };
    const plain = forHost.filter((e) => e.marker === null);
    const same = plain.find((e) => e.key.equals(blob));
    if (same) return { ...base, status: 'match', entry: same };
    if (plain.length > 0) {
      const entry = plain.find((e) => family(e.keyType) === family(keyType)) ?? plain[0]!;
      return { ...base, status: 'changed', entry, known: plain };
    }
    const fallback = portless.find((e) => e.marker === null && e.key.equals(blob));
    if (fallback) return { ...base, status: 'match', entry: fallback, portless: true };
    return { ...base, status: 'unknown' };
  }

  verify(blob: Buffer, host: string, port: number): HostKeyStatus {
    return this.check(blob, host, port).status;
  }

  /** Key types known for this name (no port-less fallback, as in ssh), to prefer them in the handshake. */
  keyTypes(host: string, port: number): string[] {
    const name = knownHostsName(host, port);
    const types = this.entries.filter((e) => e.marker === null && namesMatch(e.names, name)).map((e) => e.keyType);
    return [...new Set(types)];
  }
}

/** Reads and merges files; a missing file is empty, an unreadable one is a note. */
export function loadKnownHosts(files: readonly string[]): KnownHosts {
  return KnownHosts.merge(
    files.map((file) => {
      try {
        return KnownHosts.parse(readFileSync(file, 'utf8'), file);
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        return new KnownHosts([], code === 'ENOENT' ? [] : [`cannot read ${file}: ${code ?? (e as Error).message}`]);
      }
    }),
  );
}

/** Appends one line, creating the directory (0700) and file (0600) when missing. */
export function appendKnownHost(file: string, line: string): void {
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  let prefix = '';
  try {
    const size = statSync(file).size;
    if (size > 0 && !readFileSync(file).subarray(size - 1).equals(Buffer.from('\n'))) prefix = '\n';
  } catch {
    /* new file */
  }
  appendFileSync(file, `${prefix}${line}\n`, { mode: 0o600 });
}
