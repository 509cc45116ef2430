/** Small helpers shared by the Kubernetes tests. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';
import type { TestApiServer } from './apiserver.mjs';

/** A temporary directory (prefixed k8s-test-) and its removal. */
export function tempDir(): { dir: string; remove: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'k8s-test-'));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** A client-node KubeConfig for the test server, through a kubeconfig file it wrote. */
export function kubeConfigFor(server: TestApiServer, dir: string, name = 'kubeconfig'): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromFile(server.kubeconfig(join(dir, name)));
  return kc;
}

/** Poll until fn() is truthy; fails with `what` after timeoutMs. */
export async function waitFor<T>(fn: () => T, what: string, timeoutMs = 5_000, everyMs = 20): Promise<NonNullable<T>> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const v = fn();
    if (v) return v as NonNullable<T>;
    if (Date.now() > until) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
