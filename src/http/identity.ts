// Who is calling: an API token (`Authorization: token|bearer …`) or the hub login cookie,
// resolved to an owner and their effective scopes (token scopes ∩ owner's current roles,
// so demoting a user narrows their tokens at once). Token lookups are cached briefly and
// the cache is dropped whenever users, roles or tokens change.
import type { FastifyRequest } from 'fastify';
import type { Store, TokenRecord } from '../store/types.ts';
import type { ScopeSet } from './authz.ts';
import { ownerScopes, tokenScopes, checkTokenScopes, rolesFor, type RoleTable, type RoleHolder } from '../domain/roles.ts';
import { expandScopes, union } from '../domain/scopes.ts';
import { hashToken } from '../hub/tokens.ts';
import type { ActiveSession } from './session.ts';

export interface Identity {
  kind: 'user' | 'service';
  name: string;
  admin: boolean;
  groups: string[];
  scopes: ScopeSet;
  via: 'token' | 'cookie';
  token: TokenRecord | null;
  sessionId: string | null;
  /** When the user's auth was last confirmed (users only; null for services or never). */
  authRefreshed: Date | null;
}

const TOKEN_RE = /^(token|bearer)\s+(\S+)\s*$/i;

export function tokenFromRequest(req: FastifyRequest): string | null {
  const h = req.headers.authorization;
  if (!h) return null;
  const m = TOKEN_RE.exec(h);
  return m ? m[2] : null;
}

interface ServiceOwner {
  name: string;
  admin: boolean;
}

interface Cached {
  identity: Identity | null;
  expires: number;
}

const CACHE_MS = 5000;
const CACHE_MAX = 50_000;
/** Minimum spacing of last_activity writes caused by authenticated requests. */
const ACTIVITY_RESOLUTION_MS = 30_000;

export class IdentityCache {
  private tokens = new Map<string, Cached>();
  private lastBump = new Map<string, number>();

  constructor(
    private readonly store: Store,
    private readonly services: ReadonlyMap<string, ServiceOwner>,
    readonly roles: RoleTable,
    private readonly now: () => Date,
    /** Raw scopes shared with a user directly or through their groups (sharing); none when absent. */
    private readonly sharedScopes?: (user: string, groups: readonly string[]) => Promise<string[]>,
  ) {}

  /**
   * Groups of the users whose servers a token's scopes name (`…!server=alice/`), so an owner's
   * `!group=` grant keeps such a scope in the intersection (a TA's OAuth token for a student's server).
   */
  private async groupsOfServerUsers(raw: readonly string[], owner: RoleHolder): Promise<(user: string) => Iterable<string>> {
    const users = new Set<string>();
    for (const s of raw) {
      const m = /!server=([^/]+)\//.exec(s);
      if (m && m[1] !== owner.name) users.add(m[1]);
    }
    const groups = new Map<string, string[]>();
    for (const u of users) groups.set(u, await this.store.groupsOfUser(u));
    return (u) => groups.get(u) ?? (u === owner.name ? (owner.groups ?? []) : []);
  }

  /** The owner's scopes: their roles', plus what was shared with them. */
  private async ownerScopeSet(owner: RoleHolder) {
    const fromRoles = ownerScopes(owner, this.roles);
    if (owner.kind !== 'user' || !this.sharedScopes) return fromRoles;
    const shared = await this.sharedScopes(owner.name, owner.groups ?? []);
    return shared.length ? union(fromRoles, expandScopes(shared, owner)) : fromRoles;
  }

  /** Role names of a user or service (for API models). */
  rolesOf(holder: RoleHolder): string[] {
    return rolesFor(holder, this.roles);
  }

  /** null when `requested` is fine for a new token of `holder`, else a 400 message. */
  checkTokenScopes(requested: string[], holder: RoleHolder): string | null {
    return checkTokenScopes(requested, holder, ownerScopes(holder, this.roles));
  }

  /** Call after any change to users, roles, groups or tokens. */
  invalidate(): void {
    this.tokens.clear();
  }

  async fromToken(token: string): Promise<Identity | null> {
    const hash = hashToken(token);
    const t = this.now().getTime();
    const hit = this.tokens.get(hash);
    if (hit && hit.expires > t) return hit.identity;
    const identity = await this.resolveToken(hash);
    if (this.tokens.size >= CACHE_MAX) this.tokens.clear();
    this.tokens.set(hash, { identity, expires: t + CACHE_MS });
    return identity;
  }

  private async resolveToken(hash: string): Promise<Identity | null> {
    const rec = await this.store.findTokenByHash(hash);
    if (!rec) return null;
    if (rec.expiresAt && rec.expiresAt.getTime() <= this.now().getTime()) return null;
    const owner = await this.owner(rec.owner.kind, rec.owner.name);
    if (!owner) return null;
    return {
      ...owner,
      scopes: tokenScopes(rec.scopes, owner, await this.ownerScopeSet(owner), { groupsOf: await this.groupsOfServerUsers(rec.scopes, owner) }),
      via: 'token',
      token: rec,
      sessionId: rec.sessionId,
    };
  }

  async fromSession(s: ActiveSession): Promise<Identity | null> {
    const owner = await this.owner('user', s.userName);
    if (!owner) return null;
    return { ...owner, scopes: await this.ownerScopeSet(owner), via: 'cookie', token: null, sessionId: s.sessionId };
  }

  private async owner(kind: 'user' | 'service', name: string): Promise<Omit<Identity, 'scopes' | 'via' | 'token' | 'sessionId'> | null> {
    if (kind === 'service') {
      const svc = this.services.get(name);
      return svc ? { kind: 'service', name, admin: svc.admin, groups: [], authRefreshed: null } : null;
    }
    const u = await this.store.getUser(name);
    if (!u) return null;
    return { kind: 'user', name: u.name, admin: u.admin, groups: await this.store.groupsOfUser(u.name), authRefreshed: u.authRefreshed };
  }

  /**
   * Records that this identity did something: user last_activity (not for servers' own
   * tokens, as JupyterHub) and token last_activity, each at most every 30 s.
   */
  async noteActivity(id: Identity): Promise<void> {
    const t = this.now();
    const key = id.token ? `t${id.token.id}` : `u${id.name}`;
    const last = this.lastBump.get(key) ?? 0;
    if (t.getTime() - last < ACTIVITY_RESOLUTION_MS) return;
    this.lastBump.set(key, t.getTime());
    if (this.lastBump.size > CACHE_MAX) this.lastBump.clear();
    if (id.token) await this.store.touchToken(id.token.id, t);
    if (id.kind === 'user' && !id.token?.note.startsWith('Server at ')) await this.store.bumpUserActivity(id.name, t);
  }
}
