// Types a command line into a new terminal of a user's Jupyter server through the proxy, the way
// JupyterLab's terminal does (REST to create it, then terminado's websocket), and leaves it
// running. Resolves once the terminal has echoed `marker` (printed by the command line itself).
import WebSocket from 'ws';
import { escapePathSegment } from '../../src/domain/names.ts';

export async function typeInTerminal(base: string, user: string, token: string, line: string, marker: string, timeoutMs = 60_000): Promise<string> {
  const prefix = `${base}user/${escapePathSegment(user)}/`;
  const headers = { Authorization: `token ${token}` };
  const res = await fetch(`${prefix}api/terminals`, { method: 'POST', headers });
  if (res.status !== 200) throw new Error(`could not open a terminal for ${user}: ${res.status} ${await res.text()}`);
  const { name } = (await res.json()) as { name: string };
  const ws = new WebSocket(`${prefix.replace(/^http/, 'ws')}terminals/websocket/${name}`, { headers });
  try {
    await new Promise<void>((resolve, reject) => {
      let out = '';
      let sent = false;
      const timer = setTimeout(() => reject(new Error(`the terminal did not print ${marker} in time; output: ${out.slice(-500)}`)), timeoutMs);
      ws.on('message', (data) => {
        const [kind, text] = JSON.parse(String(data)) as [string, string?];
        if (!sent && (kind === 'setup' || kind === 'stdout')) {
          sent = true;
          ws.send(JSON.stringify(['stdin', `${line}\r`]));
        }
        if (kind === 'stdout' && text) out += text;
        // The marker is printed, not just echoed: it is built by the shell from two halves.
        if (out.includes(marker)) {
          clearTimeout(timer);
          resolve();
        }
      });
      ws.on('error', (e) => {
        clearTimeout(timer);
        reject(e);
      });
    });
  } finally {
    ws.close();
  }
  return name;
}
