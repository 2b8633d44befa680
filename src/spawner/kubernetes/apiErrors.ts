// Reading errors of @kubernetes/client-node 1.x: ApiException (status + Status body) from API
// calls, errors with `statusCode` from watches, plain network errors.
import { ApiException } from '@kubernetes/client-node';

/** HTTP status of a failed API call, or null for network errors. */
export function apiStatus(e: unknown): number | null {
  if (e instanceof ApiException) return e.code;
  const code = (e as { statusCode?: unknown; code?: unknown } | null)?.statusCode ?? (e as { code?: unknown } | null)?.code;
  return typeof code === 'number' ? code : null;
}

/** One line for logs and user messages: status and the API's own message (never request data). */
export function describeApiError(e: unknown): string {
  if (e instanceof ApiException) {
    const body: unknown = e.body;
    let message = '';
    if (typeof body === 'string') {
      try {
        message = String((JSON.parse(body) as { message?: unknown }).message ?? '');
      } catch {
        message = body.slice(0, 300);
      }
    } else if (body && typeof body === 'object') {
      message = String((body as { message?: unknown }).message ?? '');
    }
    return `HTTP ${e.code}${message ? `: ${message}` : ''}`;
  }
  const name = (e as { name?: unknown } | null)?.name;
  if (name === 'AbortError' || name === 'TimeoutError') return 'the Kubernetes API did not answer in time';
  const status = apiStatus(e);
  const text = e instanceof Error ? e.message : String(e);
  return status !== null ? `HTTP ${status}: ${text}` : text;
}
