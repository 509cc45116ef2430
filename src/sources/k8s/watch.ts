/**
 * client-node's Watch, made abortable before the response arrives.
 *
 * Watch.watch() hands out its AbortController only once the response headers are in, so a
 * request to a hanging API server could never be cancelled and each retry would leave a socket
 * open (for as long as the outage lasts). KubeConfig builds a new agent for every request; we
 * keep that agent and destroy it on abort, which ends the pending request and its socket.
 */
import { type KubeConfig, Watch } from '@kubernetes/client-node';
import type { WatchLike } from './reflector.js';

type FetchOptionsFn = KubeConfig['applyToFetchOptions'];

export class AbortableWatch implements WatchLike {
  constructor(private readonly kc: KubeConfig) {}

  watch(
    path: string,
    query: Record<string, string | number | boolean | undefined>,
    callback: (phase: string, apiObj: unknown) => void,
    done: (err: unknown) => void,
    signal?: AbortSignal,
  ): Promise<AbortController> {
    const kc = this.kc;
    let agent: { destroy?: () => void } | undefined;
    const destroy = () => agent?.destroy?.();
    const applyToFetchOptions: FetchOptionsFn = async (opts) => {
      const init = await kc.applyToFetchOptions(opts);
      agent = init.agent as typeof agent;
      if (signal?.aborted) destroy();
      return init;
    };
    // the same configuration, with the agent kept (KubeConfig's own fields are inherited)
    const config = Object.create(kc, { applyToFetchOptions: { value: applyToFetchOptions } }) as KubeConfig;
    signal?.addEventListener('abort', destroy, { once: true });
    return new Watch(config).watch(path, query, callback, done);
  }
}
