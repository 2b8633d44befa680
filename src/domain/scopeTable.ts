// The RBAC vocabulary as data (protocol.md §7): every scope JupyterHub 5.x knows, what it
// implies ("subscopes", applied recursively with the filter carried down), the metascopes,
// and the default roles. Logic lives in scopes.ts / roles.ts; this file is only tables.

export interface ScopeDefinition {
  readonly description: string;
  /** Scopes implied by holding this one (recursively). */
  readonly subscopes?: readonly string[];
}

export const SCOPE_TABLE = {
  'admin-ui': { description: 'Access the admin page.' },
  'admin:users': {
    description: 'Read, modify, create, and delete users and their authentication state, not including their servers or tokens.',
    subscopes: ['admin:auth_state', 'users', 'read:roles:users', 'delete:users'],
  },
  'admin:auth_state': { description: 'Read a user’s authentication state.' },
  users: {
    description: 'Read and write permissions to user models (excluding servers, tokens and authentication state).',
    subscopes: ['read:users', 'list:users', 'users:activity'],
  },
  'delete:users': { description: 'Delete users.' },
  'list:users': { description: 'List users, including at least their names.', subscopes: ['read:users:name'] },
  'read:users': {
    description: 'Read user models (including the URL of the default server if it is running).',
    subscopes: ['read:users:name', 'read:users:groups', 'read:users:activity'],
  },
  'read:users:name': { description: 'Read names of users.' },
  'read:users:groups': { description: 'Read users’ group membership.' },
  'read:users:activity': { description: 'Read time of last user activity.' },
  'read:roles': {
    description: 'Read role assignments.',
    subscopes: ['read:roles:users', 'read:roles:services', 'read:roles:groups'],
  },
  'read:roles:users': { description: 'Read user role assignments.' },
  'read:roles:services': { description: 'Read service role assignments.' },
  'read:roles:groups': { description: 'Read group role assignments.' },
  'users:activity': { description: 'Update time of last user activity.', subscopes: ['read:users:activity'] },
  'admin:servers': {
    description: 'Read, start, stop, create and delete user servers and their state.',
    subscopes: ['admin:server_state', 'servers'],
  },
  'admin:server_state': { description: 'Read and write users’ server state.' },
  servers: { description: 'Start and stop user servers.', subscopes: ['read:servers', 'delete:servers'] },
  'read:servers': {
    description: 'Read users’ names and their server models (excluding the server state).',
    subscopes: ['read:users:name'],
  },
  'delete:servers': { description: "Stop and delete users' servers." },
  tokens: { description: 'Read, write, create and delete user tokens.', subscopes: ['read:tokens'] },
  'read:tokens': { description: 'Read user tokens.' },
  'admin:groups': {
    description: 'Read and write group information, create and delete groups.',
    subscopes: ['groups', 'read:roles:groups', 'delete:groups'],
  },
  groups: {
    description: 'Read and write group information, including adding/removing any users to/from groups.',
    subscopes: ['read:groups', 'list:groups'],
  },
  'list:groups': { description: 'List groups, including at least their names.', subscopes: ['read:groups:name'] },
  'read:groups': { description: 'Read group models.', subscopes: ['read:groups:name'] },
  'read:groups:name': { description: 'Read group names.' },
  'delete:groups': { description: 'Delete groups.' },
  'admin:services': {
    description: 'Create, read, update, delete services, not including services defined from config files.',
    subscopes: ['list:services', 'read:services', 'read:roles:services'],
  },
  'list:services': { description: 'List services, including at least their names.', subscopes: ['read:services:name'] },
  'read:services': { description: 'Read service models.', subscopes: ['read:services:name'] },
  'read:services:name': { description: 'Read service names.' },
  'read:hub': { description: 'Read detailed information about the Hub.' },
  'access:servers': { description: 'Access user servers via API or browser.' },
  'access:services': { description: 'Access services via API or browser.' },
  'users:shares': { description: "Read and revoke a user's access to shared servers.", subscopes: ['read:users:shares'] },
  'read:users:shares': { description: 'Read servers shared with a user.' },
  'groups:shares': { description: "Read and revoke a group's access to shared servers.", subscopes: ['read:groups:shares'] },
  'read:groups:shares': { description: 'Read servers shared with a group.' },
  'read:shares': { description: 'Read information about shared access to servers.' },
  shares: {
    description: 'Manage access to shared servers.',
    subscopes: ['access:servers', 'read:shares', 'users:shares', 'groups:shares'],
  },
  proxy: {
    description: 'Read information about the proxy’s routing table, sync the Hub with the proxy and notify the Hub about a new proxy.',
  },
  shutdown: { description: 'Shutdown the hub.' },
  'read:metrics': { description: 'Read prometheus metrics.' },
} as const satisfies Record<string, ScopeDefinition>;

/** A concrete (non-meta) scope name. */
export type ScopeName = keyof typeof SCOPE_TABLE;

/**
 * Metascopes, resolved during expansion:
 * - `self`: the user's own resources (SELF_SCOPES filtered to `!user=<owner>`); nothing for services.
 * - `inherit`: everything the owner holds at use time; `all` is its old (draft) name.
 * - `(no_scope)`: identify only; identify scopes are added separately, so it expands to nothing.
 */
export const METASCOPES = ['self', 'inherit', 'all', '(no_scope)'] as const;
export type Metascope = (typeof METASCOPES)[number];

/** What `self` expands to, each with `!user=<owner>` (JupyterHub 5.x `_expand_self_scope`). */
export const SELF_SCOPES: readonly ScopeName[] = [
  'read:users',
  'read:users:name',
  'read:users:groups',
  'users:shares',
  'read:users:shares',
  'read:shares',
  'users:activity',
  'read:users:activity',
  'servers',
  'delete:servers',
  'read:servers',
  'tokens',
  'read:tokens',
  'access:servers',
];

/** Filter kinds; bare `!user`, `!server`, `!service` are resolved against the owner/context. */
export const FILTER_KINDS = ['user', 'server', 'group', 'service'] as const;
export type FilterKind = (typeof FILTER_KINDS)[number];
export const BARE_FILTER_KINDS: readonly FilterKind[] = ['user', 'server', 'service'];

export interface DefaultRoleDefinition {
  readonly name: string;
  readonly description: string;
  readonly scopes: readonly string[];
}

/** Default roles (protocol.md §7.1, JupyterHub 5.x `get_default_roles`). */
export const DEFAULT_ROLES: readonly DefaultRoleDefinition[] = [
  { name: 'user', description: 'Standard user privileges', scopes: ['self'] },
  {
    name: 'admin',
    description: 'Elevated privileges (can do anything)',
    scopes: [
      'admin-ui',
      'admin:users',
      'admin:servers',
      'tokens',
      'admin:groups',
      'list:services',
      'read:services',
      'read:hub',
      'proxy',
      'shutdown',
      'access:services',
      'access:servers',
      'read:roles',
      'read:metrics',
      'admin:services',
      'shares',
    ],
  },
  { name: 'server', description: 'Post activity only', scopes: ['users:activity!user', 'access:servers!server'] },
  { name: 'token', description: 'Token with same permissions as its owner', scopes: ['inherit'] },
];
