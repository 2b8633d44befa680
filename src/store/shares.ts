// Shares and share codes (migration 0004): a user's or group's scopes on one server of an
// owner, and expiring codes (stored as hashes) that a user exchanges for such a share.
// Built on the store's Kysely handle (SqlStore.db); names are resolved to ids here.
import type { Kysely } from 'kysely';
import type { Database } from './schema.ts';
import { fromJson, fromMillis, fromMillisOrNull, toJson, toMillis } from './codec.ts';
import { StoreNotFoundError, type Page } from './types.ts';

export type ShareTarget = { user: string } | { group: string };

export interface ShareRecord {
  id: number;
  owner: string;
  serverName: string;
  user: string | null;
  group: string | null;
  scopes: string[];
  created: Date;
}

export interface ShareCodeRecord {
  id: number;
  owner: string;
  serverName: string;
  scopes: string[];
  created: Date;
  expiresAt: Date;
  lastExchanged: Date | null;
  exchangeCount: number;
}

export type ShareQuery = { owner: string; serverName?: string } | { user: string } | { group: string };

export class ShareStore {
  constructor(private readonly db: Kysely<Database>) {}

  private async userId(name: string): Promise<number> {
    const r = await this.db.selectFrom('users').select('id').where('name', '=', name).executeTakeFirst();
    if (!r) throw new StoreNotFoundError(`store: no such user: ${name}`);
    return Number(r.id);
  }

  private async groupId(name: string): Promise<number> {
    const r = await this.db.selectFrom('groups').select('id').where('name', '=', name).executeTakeFirst();
    if (!r) throw new StoreNotFoundError(`store: no such group: ${name}`);
    return Number(r.id);
  }

  private base() {
    return this.db
      .selectFrom('shares')
      .innerJoin('users as o', 'o.id', 'shares.owner_id')
      .leftJoin('users as u', 'u.id', 'shares.user_id')
      .leftJoin('groups as g', 'g.id', 'shares.group_id')
      .select(['shares.id', 'o.name as owner', 'shares.server_name', 'u.name as user', 'g.name as group', 'shares.scopes', 'shares.created']);
  }

  private static record(r: { id: number; owner: string; server_name: string; user: string | null; group: string | null; scopes: string; created: number | string }): ShareRecord {
    return {
      id: Number(r.id),
      owner: r.owner,
      serverName: r.server_name,
      user: r.user,
      group: r.group,
      scopes: fromJson<string[]>(r.scopes, `shares ${r.id} scopes`),
      created: fromMillis(r.created),
    };
  }

  private async targetIds(t: ShareTarget): Promise<{ user_id: number | null; group_id: number | null }> {
    return 'user' in t ? { user_id: await this.userId(t.user), group_id: null } : { user_id: null, group_id: await this.groupId(t.group) };
  }

  async get(owner: string, serverName: string, t: ShareTarget): Promise<ShareRecord | null> {
    let q = this.base().where('o.name', '=', owner).where('shares.server_name', '=', serverName);
    q = 'user' in t ? q.where('u.name', '=', t.user) : q.where('g.name', '=', t.group);
    const r = await q.executeTakeFirst();
    return r ? ShareStore.record(r) : null;
  }

  /** Adds scopes to the target's share of the server (creating it); returns the share. */
  async grant(owner: string, serverName: string, t: ShareTarget, scopes: string[], now: Date): Promise<ShareRecord> {
    const existing = await this.get(owner, serverName, t);
    if (existing) {
      const merged = [...new Set([...existing.scopes, ...scopes])].sort();
      await this.db.updateTable('shares').set({ scopes: toJson(merged) }).where('id', '=', existing.id).execute();
      return { ...existing, scopes: merged };
    }
    const ids = await this.targetIds(t);
    await this.db
      .insertInto('shares')
      .values({ owner_id: await this.userId(owner), server_name: serverName, ...ids, scopes: toJson([...new Set(scopes)].sort()), created: toMillis(now, 'created') })
      .execute();
    return (await this.get(owner, serverName, t))!;
  }

  /** Removes `scopes` (all when null) from the target's share; the share is deleted when none remain. */
  async revoke(owner: string, serverName: string, t: ShareTarget, scopes: string[] | null): Promise<ShareRecord | null> {
    const existing = await this.get(owner, serverName, t);
    if (!existing) return null;
    const left = scopes === null ? [] : existing.scopes.filter((s) => !scopes.includes(s));
    if (left.length === 0) {
      await this.db.deleteFrom('shares').where('id', '=', existing.id).execute();
      return null;
    }
    await this.db.updateTable('shares').set({ scopes: toJson(left) }).where('id', '=', existing.id).execute();
    return { ...existing, scopes: left };
  }

  /** Deletes every share of the server; returns how many. */
  async revokeAll(owner: string, serverName: string): Promise<number> {
    const r = await this.db
      .deleteFrom('shares')
      .where('owner_id', '=', await this.userId(owner))
      .where('server_name', '=', serverName)
      .executeTakeFirst();
    return Number(r.numDeletedRows);
  }

  async list(q: ShareQuery, offset: number, limit: number): Promise<Page<ShareRecord>> {
    let sel = this.base();
    if ('owner' in q) {
      sel = sel.where('o.name', '=', q.owner);
      if (q.serverName !== undefined) sel = sel.where('shares.server_name', '=', q.serverName);
    } else if ('user' in q) sel = sel.where('u.name', '=', q.user);
    else sel = sel.where('g.name', '=', q.group);
    const all = (await sel.orderBy('shares.id').execute()).map((r) => ShareStore.record(r));
    return { items: all.slice(offset, offset + limit), total: all.length };
  }

  /** Every scope shared with the user directly or through one of `groups`. */
  async scopesSharedWith(user: string, groups: readonly string[]): Promise<string[]> {
    let sel = this.base().where('u.name', '=', user);
    const out = new Set<string>();
    for (const r of await sel.execute()) for (const s of ShareStore.record(r).scopes) out.add(s);
    if (groups.length) {
      sel = this.base().where('g.name', 'in', [...groups]);
      for (const r of await sel.execute()) for (const s of ShareStore.record(r).scopes) out.add(s);
    }
    return [...out].sort();
  }

  // share codes

  private codeBase() {
    return this.db
      .selectFrom('share_codes')
      .innerJoin('users as o', 'o.id', 'share_codes.owner_id')
      .select([
        'share_codes.id',
        'o.name as owner',
        'share_codes.server_name',
        'share_codes.scopes',
        'share_codes.created',
        'share_codes.expires',
        'share_codes.last_exchanged',
        'share_codes.exchange_count',
      ]);
  }

  private static code(r: {
    id: number;
    owner: string;
    server_name: string;
    scopes: string;
    created: number | string;
    expires: number | string;
    last_exchanged: number | string | null;
    exchange_count: number;
  }): ShareCodeRecord {
    return {
      id: Number(r.id),
      owner: r.owner,
      serverName: r.server_name,
      scopes: fromJson<string[]>(r.scopes, `share_codes ${r.id} scopes`),
      created: fromMillis(r.created),
      expiresAt: fromMillis(r.expires),
      lastExchanged: fromMillisOrNull(r.last_exchanged),
      exchangeCount: Number(r.exchange_count),
    };
  }

  async createCode(owner: string, serverName: string, codeHash: string, scopes: string[], expiresAt: Date, now: Date): Promise<ShareCodeRecord> {
    await this.db
      .insertInto('share_codes')
      .values({
        owner_id: await this.userId(owner),
        server_name: serverName,
        code_hash: codeHash,
        scopes: toJson(scopes),
        created: toMillis(now, 'created'),
        expires: toMillis(expiresAt, 'expires'),
        last_exchanged: null,
      })
      .execute();
    const r = await this.codeBase().where('share_codes.code_hash', '=', codeHash).executeTakeFirstOrThrow();
    return ShareStore.code(r);
  }

  /** Unexpired codes of an owner (optionally one server), oldest first. */
  async listCodes(owner: string, serverName: string | undefined, now: Date, offset: number, limit: number): Promise<Page<ShareCodeRecord>> {
    let sel = this.codeBase().where('o.name', '=', owner).where('share_codes.expires', '>', toMillis(now, 'now'));
    if (serverName !== undefined) sel = sel.where('share_codes.server_name', '=', serverName);
    const all = (await sel.orderBy('share_codes.id').execute()).map((r) => ShareStore.code(r));
    return { items: all.slice(offset, offset + limit), total: all.length };
  }

  /** Deletes the server's codes: all, or the one with this id or hash; returns how many. */
  async revokeCodes(owner: string, serverName: string, which: { id?: number; codeHash?: string } = {}): Promise<number> {
    let q = this.db
      .deleteFrom('share_codes')
      .where('owner_id', '=', await this.userId(owner))
      .where('server_name', '=', serverName);
    if (which.id !== undefined) q = q.where('id', '=', which.id);
    if (which.codeHash !== undefined) q = q.where('code_hash', '=', which.codeHash);
    return Number((await q.executeTakeFirst()).numDeletedRows);
  }

  /** An unexpired code by hash, or null. */
  async findCode(codeHash: string, now: Date): Promise<ShareCodeRecord | null> {
    const r = await this.codeBase().where('share_codes.code_hash', '=', codeHash).executeTakeFirst();
    if (!r) return null;
    const c = ShareStore.code(r);
    return c.expiresAt.getTime() > now.getTime() ? c : null;
  }

  /** Exchanges an unexpired code for a share of `user` (JupyterHub's ShareCode.exchange); null when invalid. */
  async exchange(codeHash: string, user: string, now: Date): Promise<ShareRecord | null> {
    const c = await this.findCode(codeHash, now);
    if (!c) return null;
    const share = await this.grant(c.owner, c.serverName, { user }, c.scopes, now);
    await this.db
      .updateTable('share_codes')
      .set((eb) => ({ exchange_count: eb('exchange_count', '+', 1), last_exchanged: toMillis(now, 'last_exchanged') }))
      .where('id', '=', c.id)
      .execute();
    return share;
  }
}
