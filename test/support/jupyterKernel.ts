// Runs Python code in a user's Jupyter server through the proxy, the way JupyterLab does:
// REST to start a kernel, then the kernel's websocket channels.
import { randomUUID } from 'node:crypto';
import WebSocket from 'ws';
import { escapePathSegment } from '../../src/domain/names.ts';

export async function runInKernel(base: string, user: string, token: string, code: string, timeoutMs = 60_000): Promise<{ stdout: string; error: string | null }> {
  // the server's prefix as the hub spells it (quote(name, safe='@~')): jupyter_server matches it byte for byte
  const prefix = `${base}user/${escapePathSegment(user)}/`;
  const headers = { Authorization: `token ${token}` };
  const res = await fetch(`${prefix}api/kernels`, { method: 'POST', headers: { ...headers, 'Content-Type': 'application/json' }, body: '{}' });
  if (res.status !== 201) throw new Error(`could not start a kernel for ${user}: ${res.status} ${await res.text()}`);
  const kernel = (await res.json()) as { id: string };
  const wsUrl = `${prefix.replace(/^http/, 'ws')}api/kernels/${kernel.id}/channels`;
  try {
    return await new Promise((resolve, reject) => {
      const ws = new WebSocket(wsUrl, { headers });
      const msgId = randomUUID();
      let stdout = '';
      let error: string | null = null;
      const timer = setTimeout(() => {
        ws.terminate();
        reject(new Error('kernel did not answer in time'));
      }, timeoutMs);
      ws.on('open', () => {
        ws.send(
          JSON.stringify({
            header: { msg_id: msgId, username: user, session: randomUUID(), msg_type: 'execute_request', version: '5.3', date: new Date().toISOString() },
            parent_header: {},
            metadata: {},
            content: { code, silent: false, store_history: false, user_expressions: {}, allow_stdin: false, stop_on_error: true },
            channel: 'shell',
            buffers: [],
          }),
        );
      });
      ws.on('message', (data) => {
        const m = JSON.parse(String(data));
        if (m.parent_header?.msg_id !== msgId) return;
        if (m.msg_type === 'stream') stdout += m.content.text;
        if (m.msg_type === 'error') error = `${m.content.ename}: ${m.content.evalue}`;
        if (m.msg_type === 'status' && m.content.execution_state === 'idle') {
          clearTimeout(timer);
          ws.close();
          resolve({ stdout, error });
        }
      });
      ws.on('error', (e) => {
        clearTimeout(timer);
        reject(e);
      });
    });
  } finally {
    await fetch(`${prefix}api/kernels/${kernel.id}`, { method: 'DELETE', headers }).catch(() => undefined);
  }
}
