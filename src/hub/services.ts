// API tokens of services declared in config (hub.services.<name>.apiToken, as z2jh writes
// them): stored hashed, replaced on every start so a changed token takes effect.
import type { Store } from '../store/types.ts';
import type { Config } from '../config/index.ts';
import { hashToken } from './tokens.ts';

export const CONFIG_TOKEN_NOTE = 'from config (hub.services)';

export async function syncServiceTokens(store: Store, config: Config, now: () => Date): Promise<void> {
  for (const [name, svc] of Object.entries(config.hub.services)) {
    const existing = await store.listTokens({ kind: 'service', name });
    const hash = svc.apiToken ? hashToken(svc.apiToken) : null;
    for (const t of existing) if (t.note === CONFIG_TOKEN_NOTE && t.hash !== hash) await store.deleteToken(t.id);
    if (hash && !existing.some((t) => t.hash === hash)) {
      await store.createToken(
        { owner: { kind: 'service', name }, hash, scopes: ['inherit'], note: CONFIG_TOKEN_NOTE, expiresAt: null, sessionId: null, oauthClientId: null },
        now(),
      );
    }
  }
}
