// A server's credentials (protocol.md §1.5): a fresh API token for each spawn (scopes of the
// `server` role) that is also the client secret of the server's OAuth client; both revoked
// when the server stops, together with the OAuth tokens that client issued.
import type { Store } from '../store/types.ts';
import { serverPrefix, oauthClientId } from '../domain/names.ts';
import { newTokenString, hashToken } from './tokens.ts';

export interface ServerCredentials {
  apiToken: string;
  clientId: string;
}

const noteFor = (prefix: string) => `Server at ${prefix}`;

export async function issueServerCredentials(
  store: Store,
  o: { baseUrl: string; userName: string; serverName: string; now: Date },
): Promise<ServerCredentials> {
  const prefix = serverPrefix(o.baseUrl, o.userName, o.serverName);
  const clientId = oauthClientId(o.userName, o.serverName);
  const apiToken = newTokenString();
  const accessScope = `access:servers!server=${o.userName}/${o.serverName}`;
  await revokeServerCredentials(store, o.baseUrl, o.userName, o.serverName);
  await store.createToken(
    {
      owner: { kind: 'user', name: o.userName },
      hash: hashToken(apiToken),
      scopes: [`users:activity!user=${o.userName}`, accessScope],
      note: noteFor(prefix),
      expiresAt: null,
      sessionId: null,
      oauthClientId: null,
    },
    o.now,
  );
  await store.upsertOAuthClient(
    {
      id: clientId,
      secretHash: hashToken(apiToken),
      redirectUri: `${prefix}oauth_callback`,
      description: noteFor(prefix),
      allowedScopes: [],
      accessScope,
    },
    o.now,
  );
  return { apiToken, clientId };
}

export async function revokeServerCredentials(store: Store, baseUrl: string, userName: string, serverName: string): Promise<void> {
  await store.deleteTokens({ userName, note: noteFor(serverPrefix(baseUrl, userName, serverName)) });
  // deleting the client also deletes the OAuth tokens it issued and its pending codes
  await store.deleteOAuthClient(oauthClientId(userName, serverName));
}
