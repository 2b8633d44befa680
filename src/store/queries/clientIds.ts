// OAuth client ids of a user's servers, as JupyterHub names them (protocol.md §JUPYTERHUB_CLIENT_ID):
// `jupyterhub-user-<quote(name)>` and `jupyterhub-user-<quote(name)>-<quote(server)>` for named
// servers, with Python's urllib.parse.quote (safe = letters, digits, `_.-~/`).

const SAFE = /[A-Za-z0-9_.\-~/]/;

export function pythonQuote(s: string): string {
  let out = '';
  for (const ch of s) {
    if (SAFE.test(ch)) {
      out += ch;
      continue;
    }
    for (const byte of Buffer.from(ch, 'utf8')) out += `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

export function oauthClientIdsOfUser(userName: string, serverNames: readonly string[]): string[] {
  const base = `jupyterhub-user-${pythonQuote(userName)}`;
  const ids = new Set([base]);
  for (const server of serverNames) if (server !== '') ids.add(`${base}-${pythonQuote(server)}`);
  return [...ids];
}
