// The Store over SQL (Kysely): SQLite, PostgreSQL and MySQL/MariaDB. Each method delegates to
// the query module of its concept in `queries/`; this class only owns the connection.
import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import type { Connection } from './connect.ts';
import type { DialectAdapter } from './dialect.ts';
import { migrateToLatest } from './migrations/index.ts';
import type { SqlContext } from './queries/context.ts';
import * as groups from './queries/groups.ts';
import * as native from './queries/nativeUsers.ts';
import * as oauth from './queries/oauth.ts';
import * as servers from './queries/servers.ts';
import * as lifecycle from './queries/serverLifecycle.ts';
import * as replicas from './queries/replicas.ts';
import * as sessions from './queries/sessions.ts';
import * as settings from './queries/settings.ts';
import * as tokens from './queries/tokens.ts';
import { listUsers } from './queries/userListing.ts';
import * as users from './queries/users.ts';
import type { Database } from './schema.ts';
import type {
  GroupQuery,
  GroupRecord,
  NativeUserRecord,
  NewGroup,
  NewToken,
  OAuthClientRecord,
  ReplicaRecord,
  ServerProgressRecord,
  ServerTransition,
  ServerTransitionResult,
  OAuthCodeRecord,
  Page,
  ServerPatch,
  ServerRecord,
  SessionRecord,
  Store,
  TokenOwner,
  TokenRecord,
  UserPatch,
  UserQuery,
  UserRecord,
} from './types.ts';

export class SqlStore implements Store {
  private readonly ctx: SqlContext;
  private readonly logger: Logger;
  private closing: Promise<void> | null = null;
  /** Where the data lives, without credentials. */
  readonly location: string;

  private readonly listen: Connection['listen'];

  constructor(conn: Connection, logger: Logger) {
    this.ctx = { db: conn.db, dialect: conn.dialect };
    this.listen = conn.listen;
    this.location = conn.location;
    this.logger = logger;
  }

  get dialect(): DialectAdapter {
    return this.ctx.dialect;
  }

  /** The Kysely handle, for migrations tooling and diagnostics; Store methods are the API. */
  get db(): Kysely<Database> {
    return this.ctx.db;
  }

  migrate(): Promise<void> {
    return migrateToLatest(this.ctx.db, this.ctx.dialect, this.logger);
  }

  /** Closes the pool (or SQLite file); calling it again is harmless. */
  close(): Promise<void> {
    this.closing ??= this.ctx.db.destroy();
    return this.closing;
  }

  // users
  getUser(name: string): Promise<UserRecord | null> {
    return users.getUser(this.ctx, name);
  }
  listUsers(q: UserQuery): Promise<Page<UserRecord>> {
    return listUsers(this.ctx, q);
  }
  createUsers(names: string[], opts: { admin: boolean; now: Date }): Promise<UserRecord[]> {
    return users.createUsers(this.ctx, names, opts);
  }
  updateUser(name: string, patch: UserPatch): Promise<UserRecord | null> {
    return users.updateUser(this.ctx, name, patch);
  }
  deleteUser(name: string): Promise<boolean> {
    return users.deleteUser(this.ctx, name);
  }
  bumpUserActivity(name: string, at: Date): Promise<void> {
    return users.bumpUserActivity(this.ctx, name, at);
  }

  // groups
  listGroups(q: GroupQuery): Promise<Page<GroupRecord>> {
    return groups.listGroups(this.ctx, q);
  }
  getGroup(name: string): Promise<GroupRecord | null> {
    return groups.getGroup(this.ctx, name);
  }
  createGroups(list: NewGroup[]): Promise<GroupRecord[]> {
    return groups.createGroups(this.ctx, list);
  }
  deleteGroup(name: string): Promise<boolean> {
    return groups.deleteGroup(this.ctx, name);
  }
  addGroupMembers(group: string, users: string[]): Promise<GroupRecord> {
    return groups.addGroupMembers(this.ctx, group, users);
  }
  removeGroupMembers(group: string, users: string[]): Promise<GroupRecord> {
    return groups.removeGroupMembers(this.ctx, group, users);
  }
  setGroupProperties(group: string, properties: Record<string, unknown>): Promise<GroupRecord> {
    return groups.setGroupProperties(this.ctx, group, properties);
  }
  groupsOfUser(userName: string): Promise<string[]> {
    return groups.groupsOfUser(this.ctx, userName);
  }
  groupsOfUsers(userNames: string[]): Promise<Map<string, string[]>> {
    return groups.groupsOfUsers(this.ctx, userNames);
  }
  setUserGroups(userName: string, names: string[], opts: { createMissing: boolean }): Promise<string[]> {
    return groups.setUserGroups(this.ctx, userName, names, opts);
  }

  // servers
  getServer(userName: string, serverName: string): Promise<ServerRecord | null> {
    return servers.getServer(this.ctx, userName, serverName);
  }
  listServersOfUser(userName: string): Promise<ServerRecord[]> {
    return servers.listServersOfUser(this.ctx, userName);
  }
  listActiveServers(): Promise<ServerRecord[]> {
    return servers.listActiveServers(this.ctx);
  }
  ensureServer(userName: string, serverName: string): Promise<ServerRecord> {
    return servers.ensureServer(this.ctx, userName, serverName);
  }
  updateServer(id: number, patch: ServerPatch): Promise<ServerRecord> {
    return servers.updateServer(this.ctx, id, patch);
  }
  deleteServer(id: number): Promise<void> {
    return servers.deleteServer(this.ctx, id);
  }
  bumpServerActivity(userName: string, serverName: string, at: Date): Promise<void> {
    return servers.bumpServerActivity(this.ctx, userName, serverName, at);
  }

  // server lifecycle shared by replicas
  transitionServer(id: number, t: ServerTransition): Promise<ServerTransitionResult> {
    return lifecycle.transitionServer(this.ctx, id, t);
  }
  claimServer(id: number, owner: string, expires: Date, now: Date): Promise<ServerRecord | null> {
    return lifecycle.claimServer(this.ctx, id, owner, expires, now);
  }
  renewClaims(owner: string, expires: Date): Promise<number> {
    return lifecycle.renewClaims(this.ctx, owner, expires);
  }
  listExpiredClaims(now: Date): Promise<ServerRecord[]> {
    return lifecycle.listExpiredClaims(this.ctx, now);
  }
  appendServerProgress(id: number, event: Record<string, unknown>, at: Date): Promise<ServerProgressRecord> {
    return lifecycle.appendServerProgress(this.ctx, id, event, at);
  }
  listServerProgress(id: number, afterId?: number): Promise<ServerProgressRecord[]> {
    return lifecycle.listServerProgress(this.ctx, id, afterId);
  }
  async watchServers(onChange: () => void): Promise<(() => Promise<void>) | null> {
    return this.listen ? this.listen(lifecycle.SERVERS_CHANNEL, onChange) : null;
  }

  // hub replicas and singleton leases
  heartbeatReplica(id: string, now: Date, info: Record<string, unknown>): Promise<void> {
    return replicas.heartbeatReplica(this.ctx, id, now, info);
  }
  listReplicas(): Promise<ReplicaRecord[]> {
    return replicas.listReplicas(this.ctx);
  }
  deleteReplica(id: string): Promise<void> {
    return replicas.deleteReplica(this.ctx, id);
  }
  acquireLease(name: string, owner: string, expires: Date, now: Date): Promise<boolean> {
    return replicas.acquireLease(this.ctx, name, owner, expires, now);
  }
  releaseLease(name: string, owner: string): Promise<void> {
    return replicas.releaseLease(this.ctx, name, owner);
  }

  // tokens
  createToken(t: NewToken, now: Date): Promise<TokenRecord> {
    return tokens.createToken(this.ctx, t, now);
  }
  findTokenByHash(hash: string): Promise<TokenRecord | null> {
    return tokens.findTokenByHash(this.ctx, hash);
  }
  getToken(id: number): Promise<TokenRecord | null> {
    return tokens.getToken(this.ctx, id);
  }
  listTokens(owner: TokenOwner): Promise<TokenRecord[]> {
    return tokens.listTokens(this.ctx, owner);
  }
  deleteToken(id: number): Promise<boolean> {
    return tokens.deleteToken(this.ctx, id);
  }
  deleteTokens(where: { sessionId?: string; oauthClientId?: string; userName?: string; note?: string }): Promise<number> {
    return tokens.deleteTokens(this.ctx, where);
  }
  touchToken(id: number, at: Date): Promise<void> {
    return tokens.touchToken(this.ctx, id, at);
  }

  // OAuth provider
  upsertOAuthClient(c: Omit<OAuthClientRecord, 'created'>, now: Date): Promise<void> {
    return oauth.upsertOAuthClient(this.ctx, c, now);
  }
  getOAuthClient(id: string): Promise<OAuthClientRecord | null> {
    return oauth.getOAuthClient(this.ctx, id);
  }
  deleteOAuthClient(id: string): Promise<void> {
    return oauth.deleteOAuthClient(this.ctx, id);
  }
  createOAuthCode(c: OAuthCodeRecord): Promise<void> {
    return oauth.createOAuthCode(this.ctx, c);
  }
  takeOAuthCode(codeHash: string): Promise<OAuthCodeRecord | null> {
    return oauth.takeOAuthCode(this.ctx, codeHash);
  }

  // login sessions
  createSession(s: SessionRecord): Promise<void> {
    return sessions.createSession(this.ctx, s);
  }
  getSession(idHash: string): Promise<SessionRecord | null> {
    return sessions.getSession(this.ctx, idHash);
  }
  deleteSession(idHash: string): Promise<void> {
    return sessions.deleteSession(this.ctx, idHash);
  }
  deleteSessionsOfUser(userName: string): Promise<number> {
    return sessions.deleteSessionsOfUser(this.ctx, userName);
  }
  deleteExpired(now: Date): Promise<void> {
    return sessions.deleteExpired(this.ctx, now);
  }

  // native authenticator accounts
  createNativeUser(u: NativeUserRecord): Promise<void> {
    return native.createNativeUser(this.ctx, u);
  }
  getNativeUser(name: string): Promise<NativeUserRecord | null> {
    return native.getNativeUser(this.ctx, name);
  }
  updateNativeUser(name: string, patch: { passwordHash?: string; approved?: boolean }): Promise<void> {
    return native.updateNativeUser(this.ctx, name, patch);
  }
  listNativeUsers(): Promise<NativeUserRecord[]> {
    return native.listNativeUsers(this.ctx);
  }
  deleteNativeUser(name: string): Promise<void> {
    return native.deleteNativeUser(this.ctx, name);
  }

  // hub-wide settings
  getSetting(key: string): Promise<string | null> {
    return settings.getSetting(this.ctx, key);
  }
  setSettingIfAbsent(key: string, value: string): Promise<string> {
    return settings.setSettingIfAbsent(this.ctx, key, value);
  }
  setSetting(key: string, value: string): Promise<void> {
    return settings.setSetting(this.ctx, key, value);
  }
  deleteSetting(key: string): Promise<void> {
    return settings.deleteSetting(this.ctx, key);
  }
}
