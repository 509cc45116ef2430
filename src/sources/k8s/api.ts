/** Calls of the generated client-node API that can be aborted. */
import { type ConfigurationOptions, Observable, type ObservableMiddleware } from '@kubernetes/client-node';

/**
 * Per-call options that attach an AbortSignal to the request (client-node 1.x takes call-time
 * middleware of the Observable kind on its object-parameter API).
 */
export function abortable(signal: AbortSignal): ConfigurationOptions {
  const mw: ObservableMiddleware = {
    pre: (ctx) => {
      ctx.setSignal(signal);
      return new Observable(Promise.resolve(ctx));
    },
    post: (ctx) => new Observable(Promise.resolve(ctx)),
  };
  return { middleware: [mw], middlewareMergeStrategy: 'append' };
}
