// The persistence contract of nbhub. One SQL implementation (Kysely) serves SQLite,
// PostgreSQL and MySQL/MariaDB; every implementation runs `store.case.ts`.
import type { ServerEvent, ServerState, TransitionError } from '../domain/serverState.ts';

/** Persisted lifecycle of one server. In-flight detail (progress events) lives in memory. */
export type ServerPhase = 'stopped' | 'spawning' | 'running' | 'stopping';

export interface SpawnFailure {
  /** Message meant for the user (no secrets). */
  message: string;
  exitCode: number | null;
  /** Last lines of the server's output, oldest first. */
  logTail: string[];
  at: Date;
}

export interface UserRecord {
  id: number;
  name: string;
  admin: boolean;
  created: Date;
  lastActivity: Date | null;
  /**
   * The user's auth state as sealed by src/auth/authState.ts (an encrypted, versioned envelope);
   * opaque to the store. null: none kept.
   */
  encryptedAuthState: string | null;
  /** When the authenticator last confirmed the user's auth (login or refresh); null: never. */
  authRefreshed: Date | null;
}

export interface ServerRecord {
  id: number;
  userId: number;
  userName: string;
  /** '' for the default server. */
  name: string;
  phase: ServerPhase;
  /** Spawner-owned JSON (pid, port, pod name, …), kept across hub restarts. */
  spawnerState: Record<string, unknown>;
  /** Where the proxy sends traffic, e.g. http://127.0.0.1:54321 (no path); null when not running. */
  target: string | null;
  started: Date | null;
  lastActivity: Date | null;
  userOptions: Record<string, unknown>;
  lastFailure: SpawnFailure | null;
  /** The domain lifecycle (src/domain/serverState.ts); `phase` is its coarse persisted form. */
  lifecycle: ServerState;
  /** Bumped by every transition: the compare-and-set guard. */
  lifecycleVersion: number;
  /** The replica running this server's spawn or stop, while its lease holds; null: nobody. */
  claim: ServerClaim | null;
}

/** A replica's lease on a server's in-flight work (or on singleton work). */
export interface ServerClaim {
  owner: string;
  expires: Date;
}

export interface ServerTransition {
  event: ServerEvent;
  now: Date;
  /**
   * Only this replica may apply the event: an event the state machine accepts is refused with
   * code 'claimed' when another replica holds an unexpired claim. Omitted: whoever holds it.
   */
  asOwner?: string;
  /** The claim after the transition: set, null to release, omitted to keep. */
  claim?: ServerClaim | null;
  /** Other columns written in the same statement (`phase` is derived from the new state). */
  patch?: Omit<ServerPatch, 'phase'>;
}

export type ServerTransitionRefusal =
  | TransitionError
  | { code: 'claimed'; owner: string; message: string };

export type ServerTransitionResult =
  | { ok: true; server: ServerRecord; from: ServerState }
  | { ok: false; error: ServerTransitionRefusal; server: ServerRecord };

/** One persisted progress event of a server's current spawn attempt. */
export interface ServerProgressRecord {
  /** Increases with every event (any replica); use as the cursor of listServerProgress. */
  id: number;
  event: Record<string, unknown>;
  created: Date;
}

export interface ReplicaRecord {
  id: string;
  started: Date;
  heartbeat: Date;
  info: Record<string, unknown>;
}

export type TokenOwner = { kind: 'user'; name: string } | { kind: 'service'; name: string };

export interface TokenRecord {
  id: number;
  owner: TokenOwner;
  /** sha256 hex of the token string; the plain token is never stored. */
  hash: string;
  scopes: string[];
  note: string;
  created: Date;
  lastActivity: Date | null;
  expiresAt: Date | null;
  /** jupyterhub-session-id the token was issued under (OAuth tokens), else null. */
  sessionId: string | null;
  /** OAuth client that issued it, else null. */
  oauthClientId: string | null;
}

export type NewToken = Omit<TokenRecord, 'id' | 'created' | 'lastActivity'>;

export interface OAuthClientRecord {
  id: string; // client_id, e.g. jupyterhub-user-alice
  secretHash: string; // sha256 hex of the client secret
  redirectUri: string;
  description: string;
  /** Extra scopes the client may request beyond identify + its access scope. */
  allowedScopes: string[];
  /** access scope this client grants, e.g. access:servers!server=alice/ */
  accessScope: string;
  created: Date;
}

export interface OAuthCodeRecord {
  codeHash: string;
  clientId: string;
  userName: string;
  scopes: string[];
  redirectUri: string;
  sessionId: string | null;
  expiresAt: Date;
}

export interface SessionRecord {
  /** sha256 hex of the random login-cookie value. */
  idHash: string;
  userName: string;
  /** The jupyterhub-session-id bound to this login. */
  sessionId: string;
  created: Date;
  expiresAt: Date;
}

export interface NativeUserRecord {
  name: string;
  passwordHash: string;
  /** Sign-ups wait for an admin's approval unless auto-approved. */
  approved: boolean;
  created: Date;
}

export type UserStateFilter = 'active' | 'ready' | 'inactive';
export type UserSort = 'id' | 'name' | 'last_activity' | '-id' | '-name' | '-last_activity';

export interface UserQuery {
  offset: number;
  limit: number;
  /** active: some server not 'stopped'; ready: some server 'running'; inactive: no active server. */
  state?: UserStateFilter;
  /** Case-insensitive substring (guaranteed for ASCII letters on every backend; `%` and `_` are literal). */
  nameFilter?: string;
  /**
   * Default 'id'. Names sort byte-wise on every backend. 'last_activity' puts never-active users
   * first ('-last_activity': last); ties break by id in the same direction.
   */
  sort?: UserSort;
  /** Restrict to these names (scope-filtered listings). */
  names?: string[];
}

export interface Page<T> {
  items: T[];
  total: number;
}

export interface UserPatch {
  name?: string;
  admin?: boolean;
  encryptedAuthState?: string | null;
  authRefreshed?: Date | null;
  /** Apply the patch only if the stored sealed auth state is still this value (compare-and-set). */
  ifEncryptedAuthState?: string | null;
}

/** A hub group: members ordered by name (byte-wise), properties a JSON object. */
export interface GroupRecord {
  id: number;
  name: string;
  properties: Record<string, unknown>;
  members: string[];
}

export interface NewGroup {
  name: string;
  properties?: Record<string, unknown>;
  members?: string[];
}

export interface GroupQuery {
  offset: number;
  limit: number;
  /** Restrict to these names (scope-filtered listings). */
  names?: string[];
}

export interface ServerPatch {
  phase?: ServerPhase;
  spawnerState?: Record<string, unknown>;
  target?: string | null;
  started?: Date | null;
  lastActivity?: Date | null;
  userOptions?: Record<string, unknown>;
  lastFailure?: SpawnFailure | null;
  /** Sets or clears the claim outside a transition (recovery after a replica died). */
  claim?: ServerClaim | null;
}

/** Thrown for constraint violations (duplicate user, token hash, …); `code` is stable. */
export class StoreConflictError extends Error {
  readonly code = 'STORE_CONFLICT';
  override readonly name = 'StoreConflictError';
}

/** Thrown when a write refers to a row that does not exist (unknown user, server id, …). */
export class StoreNotFoundError extends Error {
  readonly code = 'STORE_NOT_FOUND';
  override readonly name = 'StoreNotFoundError';
}

/** Thrown for arguments the store refuses (invalid Date, empty delete filter, bad database URL, …). */
export class StoreInputError extends Error {
  readonly code = 'STORE_BAD_INPUT';
  override readonly name = 'StoreInputError';
}

/** Thrown by `migrate()` when a migration (or the migration bookkeeping) fails. */
export class StoreMigrationError extends Error {
  readonly code = 'STORE_MIGRATION_FAILED';
  override readonly name = 'StoreMigrationError';
}

export interface Store {
  /** Applies pending numbered migrations; safe to call on every start and concurrently from replicas. */
  migrate(): Promise<void>;
  close(): Promise<void>;

  // users
  getUser(name: string): Promise<UserRecord | null>;
  listUsers(q: UserQuery): Promise<Page<UserRecord>>;
  /**
   * Creates all or none in one transaction; throws StoreConflictError naming the first existing
   * user (or a name listed twice).
   */
  createUsers(names: string[], opts: { admin: boolean; now: Date }): Promise<UserRecord[]>;
  /** null for an unknown user; renaming onto an existing name throws StoreConflictError. */
  updateUser(name: string, patch: UserPatch): Promise<UserRecord | null>;
  /**
   * Deletes the user with their servers, tokens, sessions and codes, and the OAuth clients of
   * their servers (`jupyterhub-user-<name>` and `…-<server>`, Python-quoted) with everything
   * those clients issued. false for an unknown user.
   */
  deleteUser(name: string): Promise<boolean>;
  /** Moves last_activity forward only (max(old, new)). */
  bumpUserActivity(name: string, at: Date): Promise<void>;

  // groups (names compare byte-wise, as user names)
  /** Ordered by id (creation order), members included. */
  listGroups(q: GroupQuery): Promise<Page<GroupRecord>>;
  getGroup(name: string): Promise<GroupRecord | null>;
  /**
   * Creates all or none in one transaction: StoreConflictError naming the first existing group
   * (or a name listed twice), StoreNotFoundError naming the first unknown member.
   */
  createGroups(groups: NewGroup[]): Promise<GroupRecord[]>;
  /** Deletes the group and its memberships; false for an unknown group. */
  deleteGroup(name: string): Promise<boolean>;
  /** Adds members (already-members are fine); StoreNotFoundError for an unknown group or user. */
  addGroupMembers(group: string, users: string[]): Promise<GroupRecord>;
  /** Removes members (non-members are fine); StoreNotFoundError for an unknown group or user. */
  removeGroupMembers(group: string, users: string[]): Promise<GroupRecord>;
  /** Replaces the group's properties; StoreNotFoundError for an unknown group. */
  setGroupProperties(group: string, properties: Record<string, unknown>): Promise<GroupRecord>;
  /** Names of the user's groups, ordered by name; [] for an unknown user. */
  groupsOfUser(userName: string): Promise<string[]>;
  /** groupsOfUser for many users in a few queries (listings); users without groups map to []. */
  groupsOfUsers(userNames: string[]): Promise<Map<string, string[]>>;
  /**
   * manage_groups: afterwards the user is in exactly `groups`, in one transaction. Missing groups
   * are created with `createMissing`, else StoreNotFoundError names them. StoreNotFoundError for an
   * unknown user. Returns the user's groups, ordered by name.
   */
  setUserGroups(userName: string, groups: string[], opts: { createMissing: boolean }): Promise<string[]>;

  // servers
  getServer(userName: string, serverName: string): Promise<ServerRecord | null>;
  /** Ordered by server name ('' first). */
  listServersOfUser(userName: string): Promise<ServerRecord[]>;
  /** Every server whose phase is not 'stopped' (used by reconcile on start), ordered by id. */
  listActiveServers(): Promise<ServerRecord[]>;
  /** Creates the server record (phase 'stopped') if missing and returns it; StoreNotFoundError for an unknown user. */
  ensureServer(userName: string, serverName: string): Promise<ServerRecord>;
  /** Applies the fields present in `patch`; StoreNotFoundError for an unknown id. */
  updateServer(id: number, patch: ServerPatch): Promise<ServerRecord>;
  deleteServer(id: number): Promise<void>;
  /** Moves server (and its user's) last_activity forward only. */
  bumpServerActivity(userName: string, serverName: string, at: Date): Promise<void>;

  // server lifecycle shared by hub replicas (src/domain/serverState.ts applied in the database)
  /**
   * Applies one lifecycle event as a compare-and-set on the current phase and version: reads
   * the row, runs the domain transition, writes only if nobody changed the row in between (else
   * reads again, a bounded number of times). A refused event leaves the row as it was.
   * `request-spawn` starts a new attempt: the previous progress events are dropped.
   * StoreNotFoundError for an unknown id.
   */
  transitionServer(id: number, t: ServerTransition): Promise<ServerTransitionResult>;
  /**
   * Takes (or renews) the claim when it is free, expired at `now`, or already `owner`'s;
   * null when another replica holds a live claim. StoreNotFoundError for an unknown id.
   */
  claimServer(id: number, owner: string, expires: Date, now: Date): Promise<ServerRecord | null>;
  /** Moves the expiry of every claim `owner` holds (its heartbeat); returns how many. */
  renewClaims(owner: string, expires: Date): Promise<number>;
  /** Servers whose claim expired at `now` (their replica stopped renewing), ordered by id. */
  listExpiredClaims(now: Date): Promise<ServerRecord[]>;
  /** Appends a progress event to the server's current attempt. StoreNotFoundError for an unknown id. */
  appendServerProgress(id: number, event: Record<string, unknown>, at: Date): Promise<ServerProgressRecord>;
  /** The current attempt's events with id > `afterId`, oldest first. */
  listServerProgress(id: number, afterId?: number): Promise<ServerProgressRecord[]>;
  /**
   * Calls `onChange` soon after any replica's transitionServer or appendServerProgress (PostgreSQL
   * LISTEN/NOTIFY). null where the database has no change feed (SQLite, MySQL): poll instead.
   * Resolves to a function that stops watching.
   */
  watchServers(onChange: () => void): Promise<(() => Promise<void>) | null>;

  // hub replicas and singleton leases
  /** Records the replica's heartbeat (registering it on the first call). */
  heartbeatReplica(id: string, now: Date, info: Record<string, unknown>): Promise<void>;
  /** Ordered by id. */
  listReplicas(): Promise<ReplicaRecord[]>;
  deleteReplica(id: string): Promise<void>;
  /**
   * Takes or renews the named lease for `owner` until `expires`; true when `owner` holds it
   * afterwards (it was free, expired at `now`, or already `owner`'s).
   */
  acquireLease(name: string, owner: string, expires: Date, now: Date): Promise<boolean>;
  /** Gives the lease up if `owner` holds it. */
  releaseLease(name: string, owner: string): Promise<void>;

  // tokens
  /** StoreConflictError for a duplicate hash; StoreNotFoundError for an unknown owning user. */
  createToken(t: NewToken, now: Date): Promise<TokenRecord>;
  findTokenByHash(hash: string): Promise<TokenRecord | null>;
  getToken(id: number): Promise<TokenRecord | null>;
  /** Ordered by id (creation order). */
  listTokens(owner: TokenOwner): Promise<TokenRecord[]>;
  deleteToken(id: number): Promise<boolean>;
  /**
   * Deletes tokens matching every given criterion (userName: tokens owned by that user) and
   * returns how many; StoreInputError when no criterion is given.
   */
  deleteTokens(where: { sessionId?: string; oauthClientId?: string; userName?: string; note?: string }): Promise<number>;
  /** Moves the token's last activity forward only. */
  touchToken(id: number, at: Date): Promise<void>;

  // OAuth provider
  /** Creates the client, or updates every field but `created`. */
  upsertOAuthClient(c: Omit<OAuthClientRecord, 'created'>, now: Date): Promise<void>;
  getOAuthClient(id: string): Promise<OAuthClientRecord | null>;
  /** Deletes the client with the tokens it issued and its pending codes. */
  deleteOAuthClient(id: string): Promise<void>;
  /** StoreConflictError for a duplicate hash; StoreNotFoundError for an unknown user. */
  createOAuthCode(c: OAuthCodeRecord): Promise<void>;
  /** Atomically removes and returns the code (single use, expired or not); null if absent or already taken. */
  takeOAuthCode(codeHash: string): Promise<OAuthCodeRecord | null>;

  // login sessions
  /** StoreConflictError for a duplicate hash; StoreNotFoundError for an unknown user. */
  createSession(s: SessionRecord): Promise<void>;
  getSession(idHash: string): Promise<SessionRecord | null>;
  deleteSession(idHash: string): Promise<void>;
  /**
   * Ends every login session of the user, with the API tokens issued under those sessions (the
   * OAuth tokens of their browsers); the user's other tokens stay. Returns the sessions ended.
   */
  deleteSessionsOfUser(userName: string): Promise<number>;
  /** Deletes sessions, OAuth codes and API tokens whose expiry is at or before `now`. */
  deleteExpired(now: Date): Promise<void>;

  // native authenticator accounts
  /** StoreConflictError when the name exists. */
  createNativeUser(u: NativeUserRecord): Promise<void>;
  getNativeUser(name: string): Promise<NativeUserRecord | null>;
  updateNativeUser(name: string, patch: { passwordHash?: string; approved?: boolean }): Promise<void>;
  /** Ordered by name. */
  listNativeUsers(): Promise<NativeUserRecord[]>;
  deleteNativeUser(name: string): Promise<void>;

  // hub-wide settings (generated secrets, bootstrap state)
  getSetting(key: string): Promise<string | null>;
  /** Sets the value only if the key is absent; returns the value now stored (first writer wins). */
  setSettingIfAbsent(key: string, value: string): Promise<string>;
  setSetting(key: string, value: string): Promise<void>;
  deleteSetting(key: string): Promise<void>;
}
