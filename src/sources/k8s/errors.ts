/**
 * What an error from the Kubernetes API means for the screen and for the next attempt.
 *
 * Errors come in three shapes from @kubernetes/client-node 1.x: ApiException from the generated
 * API (`code` = HTTP status, `body` = the Status JSON as text, none for 401), plain Errors with
 * `statusCode` from Watch for non-200 responses, and node-fetch FetchErrors (`type: 'system'`,
 * `code` = errno such as ECONNREFUSED) for network and TLS failures.
 */
import type { SourceStatus } from './common.js';

export type Retry = 'backoff' | 'slow' | 'relist';

export interface Classified {
  status: SourceStatus;
  /** HTTP status, when there was a response */
  code?: number;
  retry: Retry;
}

const TLS_CODES = new Set([
  'DEPTH_ZERO_SELF_SIGNED_CERT', 'SELF_SIGNED_CERT_IN_CHAIN', 'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY', 'UNABLE_TO_GET_ISSUER_CERT', 'CERT_HAS_EXPIRED', 'CERT_NOT_YET_VALID',
  'ERR_TLS_CERT_ALTNAME_INVALID', 'CERT_SIGNATURE_FAILURE', 'ERR_SSL_WRONG_VERSION_NUMBER',
]);

const NET_CODES = new Set([
  'ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'EHOSTDOWN', 'ENETDOWN',
  'ENOTFOUND', 'EAI_AGAIN', 'EPIPE', 'ECONNABORTED', 'ERR_STREAM_PREMATURE_CLOSE', 'ERR_SOCKET_CONNECTION_TIMEOUT',
]);

interface ErrLike {
  name?: string;
  message?: string;
  code?: unknown;
  statusCode?: unknown;
  body?: unknown;
  type?: string;
}

/** HTTP status of an API error, if it had a response. */
export function httpCode(err: unknown): number | undefined {
  const e = (err ?? {}) as ErrLike;
  if (typeof e.code === 'number') return e.code;
  if (typeof e.statusCode === 'number') return e.statusCode;
  return undefined;
}

/** The API server's Status message carried by an ApiException, if any. */
export function statusMessage(err: unknown): string | undefined {
  const body = ((err ?? {}) as ErrLike).body;
  if (typeof body !== 'string' || body === '') return undefined;
  try {
    const s = JSON.parse(body) as { message?: unknown };
    return typeof s.message === 'string' ? s.message : undefined;
  } catch {
    return body.split('\n')[0]?.slice(0, 200);
  }
}

function firstLine(err: unknown): string {
  const e = (err ?? {}) as ErrLike;
  return String(e.message ?? err).split('\n')[0] ?? '';
}

/**
 * @param what the resource being listed or watched ('nodes', 'pods'), for the message
 */
export function classifyApiError(err: unknown, what: string): Classified {
  const e = (err ?? {}) as ErrLike;
  const code = httpCode(err);
  if (code !== undefined) {
    const detail = statusMessage(err);
    const d = detail ? { detail } : {};
    if (code === 410) return { code, retry: 'relist', status: { kind: 'ok', message: 'resourceVersion expired (410): listing again', ...d } };
    if (code === 401) {
      return {
        code,
        retry: 'slow',
        status: {
          kind: 'error',
          message:
            'Unauthorized: the API server rejected the credentials (expired token?): refresh them ' +
            '(gcloud container clusters get-credentials, aws eks update-kubeconfig, az aks get-credentials) and check with kubectl get nodes',
          ...d,
        },
      };
    }
    if (code === 403) return { code, retry: 'slow', status: { kind: 'forbidden', message: `forbidden: cannot list ${what}`, ...d } };
    if (code === 400 || code === 404 || code === 422) {
      return { code, retry: 'slow', status: { kind: 'error', message: `the API server refused the request for ${what} (${code}): ${detail ?? firstLine(err)}` } };
    }
    return { code, retry: 'backoff', status: { kind: 'error', message: `API error ${code} for ${what} (retrying)`, detail: detail ?? firstLine(err) } };
  }
  const errno = typeof e.code === 'string' ? e.code : undefined;
  if (errno && TLS_CODES.has(errno)) {
    return {
      retry: 'slow',
      status: {
        kind: 'error',
        message: `TLS: cannot verify the API server (${errno}): check certificate-authority(-data) and the server URL in the kubeconfig`,
        detail: firstLine(err),
      },
    };
  }
  if ((errno && NET_CODES.has(errno)) || e.type === 'system' || e.type === 'request-timeout' || e.name === 'AbortError' || e.name === 'TimeoutError') {
    return { retry: 'backoff', status: { kind: 'unreachable', message: 'API unreachable (retrying)', detail: firstLine(err) } };
  }
  return { retry: 'backoff', status: { kind: 'error', message: `${what}: ${firstLine(err)} (retrying)` } };
}
