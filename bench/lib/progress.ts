// A user's spawn progress stream (GET /hub/api/users/<name>/server/progress, text/event-stream),
// read until it reports the server ready — the same for nbhub and JupyterHub.
import { fetchBounded } from './http.ts';

export interface ProgressTarget {
  /** For messages, e.g. "nbhub 0.1.0". */
  label: string;
  /** http://127.0.0.1:<port>/ */
  publicUrl: string;
  token: string;
}

/** Reads the stream's data lines until one says ready (returns) or failed (throws). */
export async function awaitReadyEvent(hub: ProgressTarget, user: string, timeoutMs: number): Promise<void> {
  const url = `${hub.publicUrl}hub/api/users/${encodeURIComponent(user)}/server/progress`;
  const r = await fetchBounded(url, { headers: { Authorization: `token ${hub.token}`, Accept: 'text/event-stream' }, timeoutMs });
  if (r.status !== 200 || !r.body) throw new Error(`${hub.label}: GET …/${user}/server/progress answered ${r.status}: ${(await r.text()).slice(0, 300)}`);
  const decoder = new TextDecoder();
  let buf = '';
  const seen: string[] = [];
  for await (const chunk of r.body as unknown as AsyncIterable<Uint8Array>) {
    buf += decoder.decode(chunk, { stream: true });
    let nl: number;
    while ((nl = buf.indexOf('\n')) >= 0) {
      const line = buf.slice(0, nl).trim();
      buf = buf.slice(nl + 1);
      if (!line.startsWith('data:')) continue;
      const ev = JSON.parse(line.slice(5)) as { ready?: boolean; failed?: boolean; message?: string };
      if (ev.message) seen.push(ev.message);
      if (ev.ready) {
        await r.body.cancel().catch(() => undefined);
        return;
      }
      if (ev.failed) throw new Error(`${hub.label}: spawn of ${user} failed: ${ev.message ?? '(no message)'}`);
    }
  }
  throw new Error(`${hub.label}: progress stream of ${user} ended without a ready event (saw: ${seen.slice(-5).join(' | ') || 'nothing'})`);
}
