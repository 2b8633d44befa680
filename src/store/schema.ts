// Kysely row types of the nbhub tables, as created by `migrations/`.
// Portable encodings: timestamps are epoch milliseconds in BIGINT columns (PostgreSQL returns
// them as strings, hence `number | string` on read), booleans are 0/1 integers, JSON is text.
import type { ColumnType, Generated } from 'kysely';

/** Epoch milliseconds; written as number, read as number (SQLite, MySQL) or string (PostgreSQL). */
export type Millis = ColumnType<number | string, number, number>;
export type NullableMillis = ColumnType<number | string | null, number | null, number | null>;
/** 0 or 1. */
export type Flag = number;
/** An auto-increment id; PostgreSQL `serial` reads back as number. */
export type AutoId = Generated<number>;

export interface UsersTable {
  id: AutoId;
  name: string;
  admin: Flag;
  created: Millis;
  last_activity: NullableMillis;
  /** The sealed (encrypted) auth state envelope, or null. */
  auth_state: string | null;
  /** Added by migration 0002: when the user's auth was last confirmed. */
  auth_refreshed: NullableMillis;
}

export interface ServersTable {
  id: AutoId;
  user_id: number;
  name: string;
  phase: string;
  spawner_state: string;
  target: string | null;
  started: NullableMillis;
  last_activity: NullableMillis;
  user_options: string;
  /** JSON SpawnFailure with `at` as epoch ms, or null. */
  last_failure: string | null;
  /** Migration 0003: the domain phase (ServerPhaseName), its compare-and-set version and start. */
  lifecycle: ColumnType<string, string | undefined, string>;
  lifecycle_version: ColumnType<number, number | undefined, number>;
  lifecycle_since: NullableMillis;
  queue_position: number | null;
  /** Migration 0003: the replica running this server's spawn or stop, and its lease's end. */
  claim_owner: string | null;
  claim_expires: NullableMillis;
}

export interface ServerProgressTable {
  id: AutoId;
  server_id: number;
  /** JSON ProgressMessage. */
  event: string;
  created: Millis;
}

export interface HubReplicasTable {
  id: string;
  started: Millis;
  heartbeat: Millis;
  /** JSON: host, pid, version (diagnostics only). */
  info: string;
}

export interface HubLeasesTable {
  name: string;
  owner: string;
  expires: Millis;
}

export interface ApiTokensTable {
  id: AutoId;
  hash: string;
  /** Set for user-owned tokens (cascade on user delete). */
  user_id: number | null;
  /** Set for service-owned tokens. */
  service_name: string | null;
  scopes: string;
  note: string;
  created: Millis;
  last_activity: NullableMillis;
  expires_at: NullableMillis;
  session_id: string | null;
  oauth_client_id: string | null;
}

export interface OAuthClientsTable {
  id: string;
  secret_hash: string;
  redirect_uri: string;
  description: string;
  allowed_scopes: string;
  access_scope: string;
  created: Millis;
}

export interface OAuthCodesTable {
  code_hash: string;
  client_id: string;
  user_id: number;
  scopes: string;
  redirect_uri: string;
  session_id: string | null;
  expires_at: Millis;
}

export interface SessionsTable {
  id_hash: string;
  user_id: number;
  session_id: string;
  created: Millis;
  expires_at: Millis;
}

export interface NativeUsersTable {
  name: string;
  password_hash: string;
  approved: Flag;
  created: Millis;
}

export interface SettingsTable {
  name: string;
  value: string;
}

// Groups (queries/groups.ts); roles are prepared for RBAC, no Store methods use them yet.
export interface GroupsTable {
  id: AutoId;
  name: string;
  properties: string;
}

export interface UserGroupsTable {
  user_id: number;
  group_id: number;
}

export interface RolesTable {
  id: AutoId;
  name: string;
  description: string;
  scopes: string;
}

export interface UserRolesTable {
  user_id: number;
  role_id: number;
}

export interface GroupRolesTable {
  group_id: number;
  role_id: number;
}

export interface ServiceRolesTable {
  service_name: string;
  role_id: number;
}

export interface Database {
  users: UsersTable;
  servers: ServersTable;
  api_tokens: ApiTokensTable;
  oauth_clients: OAuthClientsTable;
  oauth_codes: OAuthCodesTable;
  sessions: SessionsTable;
  native_users: NativeUsersTable;
  settings: SettingsTable;
  groups: GroupsTable;
  user_groups: UserGroupsTable;
  roles: RolesTable;
  user_roles: UserRolesTable;
  group_roles: GroupRolesTable;
  service_roles: ServiceRolesTable;
  server_progress: ServerProgressTable;
  hub_replicas: HubReplicasTable;
  hub_leases: HubLeasesTable;
  shares: SharesTable;
  share_codes: ShareCodesTable;
}

/** Migration 0004: a user's or group's scopes on one server of an owner (JupyterHub sharing). */
export interface SharesTable {
  id: AutoId;
  owner_id: number;
  server_name: string;
  user_id: number | null;
  group_id: number | null;
  /** JSON list of raw scopes, each filtered to the server. */
  scopes: string;
  created: Millis;
}

/** Migration 0004: expiring share codes, stored as sha256 hashes. */
export interface ShareCodesTable {
  id: AutoId;
  owner_id: number;
  server_name: string;
  code_hash: string;
  scopes: string;
  created: Millis;
  expires: Millis;
  last_exchanged: NullableMillis;
  exchange_count: Generated<number>;
}
