/** `netwatch capture`'s checks made before anything starts on a node: the -w FILE. */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { unwritable } from '../../src/sources/capture/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'nwcap-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('-w FILE is checked first', () => {
  it('takes stdout, a new file in a directory, and an existing file', () => {
    expect(unwritable('-')).toBeUndefined();
    expect(unwritable(join(dir, 'new.pcap'))).toBeUndefined();
    writeFileSync(join(dir, 'old.pcap'), '');
    expect(unwritable(join(dir, 'old.pcap'))).toBeUndefined();
  });
  it('refuses a missing directory, a directory, and a path under a file, saying which', () => {
    expect(unwritable('/nonexistent/x.pcap')).toBe('cannot write -w /nonexistent/x.pcap: no directory /nonexistent');
    expect(unwritable(dir)).toBe(`cannot write -w ${dir}: it is a directory`);
    writeFileSync(join(dir, 'f'), '');
    expect(unwritable(join(dir, 'f', 'x.pcap'))).toBe(`cannot write -w ${join(dir, 'f', 'x.pcap')}: ENOTDIR`);
  });
});
