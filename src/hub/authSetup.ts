// Picks the authenticator from `auth.type` and builds the login policy; for the native
// authenticator also the first-admin bootstrap (one-time sign-up tokens printed at start).
import { randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import type { Config } from '../config/index.ts';
import type { Store } from '../store/types.ts';
import type { Authenticator, LoginPolicy } from '../auth/types.ts';
import { DummyAuthenticator } from '../auth/dummy.ts';
import { NativeAuthenticator } from '../auth/native.ts';
import { AdminBootstrap } from '../auth/bootstrap.ts';
import { LdapAuthenticator, ldapSettingsFromConfig } from '../auth/ldap/ldap.ts';
import { buildOAuth } from './oauthSetup.ts';
import { namedProvider } from '../auth/oauth2/providers/index.ts';
import { MediawikiAuthenticator } from '../auth/mediawiki/authenticator.ts';
import { normalizeLoginName } from '../auth/pipeline.ts';
import { normalizeUsername } from '../domain/names.ts';
import type { NativeSignup } from '../http/context.ts';
import { HubError } from './errors.ts';

export interface AuthSetup {
  authenticator: Authenticator;
  policy: LoginPolicy;
  adminUsers: ReadonlySet<string>;
  native: NativeSignup | null;
  bootstrap: { check(name: string, token: string): Promise<boolean>; consume(name: string): Promise<void> } | null;
  /** Runs once the hub is up: prints bootstrap tokens. */
  afterStart(): Promise<void>;
}

const names = (list: readonly string[]) => new Set(list.map(normalizeUsername));

export async function buildAuth(config: Config, store: Store, logger: Logger): Promise<AuthSetup> {
  const a = config.auth;
  const adminUsers = names(a.admin.users);
  const allowedUsers = names(a.allowed.users);
  // dummy and native keep JupyterHub's base Authenticator defaults (open when no allow rule is
  // set, existing users allowed); identity providers follow oauthenticator: closed by default.
  const hubKeepsAccounts = a.type === 'dummy' || a.type === 'native';
  const noAllowRule = allowedUsers.size === 0 && a.allowed.groups.length === 0;
  const policy: LoginPolicy = {
    adminUsers,
    allowedUsers,
    blockedUsers: names(a.blocked.users),
    allowAll: a.allowed.all ?? ((hubKeepsAccounts && noAllowRule) || (a.type === 'ldap' && noAllowRule && a.ldap.allowedGroups.length === 0)),
    allowExistingUsers: a.allowed.existingUsers ?? (hubKeepsAccounts || (a.type === 'ldap' && allowedUsers.size > 0)),
    isExistingUser: async (n) => (await store.getUser(n)) !== null,
    manageGroups: a.manageGroups,
    allowedGroups: new Set(a.allowed.groups),
    adminGroups: new Set(a.admin.groups),
  };
  const log = logger.child({ component: 'auth' });
  switch (a.type) {
    case 'dummy':
      return {
        authenticator: new DummyAuthenticator({ password: a.dummy.password, logger: log }),
        policy,
        adminUsers,
        native: null,
        bootstrap: null,
        afterStart: async () => undefined,
      };
    case 'native': {
      const bootstrap = new AdminBootstrap({
        settings: store,
        accounts: store,
        randomToken: () => randomBytes(24).toString('base64url'),
        now: () => new Date(),
      });
      const native = new NativeAuthenticator({
        store,
        openSignup: a.native.openSignup,
        minimumPasswordLength: a.native.minimumPasswordLength,
        adminUsers,
        bootstrap,
        logger: log,
      });
      return {
        authenticator: native,
        // with native accounts, having an approved account is what allows a login
        policy,
        adminUsers,
        native: {
          openSignup: a.native.openSignup,
          signUp: (n, p, t) => native.signUp(n, p, t),
          listAccounts: () => store.listNativeUsers(),
          approve: (n, approved) => native.approve(n, approved),
          async adminCreate(n, p) {
            if (adminUsers.has(normalizeUsername(n))) {
              return { ok: false, message: `${n} is listed in auth.admin.users: that admin signs up with the one-time token printed at first start.` };
            }
            const r = await native.signUp(n, p);
            if (!r.ok) return r;
            await native.approve(n, true);
            return { ok: true };
          },
        },
        bootstrap,
        async afterStart() {
          for (const { name, token } of await bootstrap.prepare(adminUsers)) {
            // Printed once, on the console only (not the structured log), as the sign-up secret.
            process.stdout.write(
              `\nFirst start: create the admin account "${name}" at /hub/signup with this one-time token:\n    ${token}\n\n`,
            );
          }
        },
      };
    }
    case 'mediawiki': {
      const m = a.mediawiki;
      // clientId/clientSecret: the cross-checks refuse a config without them
      const authenticator = new MediawikiAuthenticator({ settings: { ...m, clientId: m.clientId ?? '', clientSecret: m.clientSecret ?? '' }, logger: log });
      // The wiki's names keep case and spaces ("Jane Doe (WMF)"), so the configured lists do too.
      const keep = (list: readonly string[]) => new Set(list.map((n) => normalizeLoginName(authenticator, n)));
      const wikiAdmins = keep(a.admin.users);
      return {
        authenticator,
        policy: { ...policy, adminUsers: wikiAdmins, allowedUsers: keep(a.allowed.users), blockedUsers: keep(a.blocked.users) },
        adminUsers: wikiAdmins,
        native: null,
        bootstrap: null,
        afterStart: async () => undefined,
      };
    }
    case 'github':
    case 'google':
    case 'cilogon':
    case 'globus':
    case 'gitlab':
    case 'azuread': {
      let provider;
      try {
        provider = namedProvider(a.type, a);
      } catch (e) {
        throw new HubError(500, (e as Error).message);
      }
      return {
        authenticator: buildOAuth(config, a.type, log, provider),
        policy,
        adminUsers,
        native: null,
        bootstrap: null,
        afterStart: async () => undefined,
      };
    }
    case 'generic-oauth':
    case 'oidc':
      return {
        authenticator: buildOAuth(config, a.type, log),
        policy,
        adminUsers,
        native: null,
        bootstrap: null,
        afterStart: async () => undefined,
      };
    case 'ldap': {
      // ldapauthenticator on JupyterHub 5 keeps the base Authenticator's defaults: with no allow
      // rule (auth.allowed.*, auth.ldap.allowedGroups) everyone the directory accepts may log in
      let settings;
      try {
        settings = ldapSettingsFromConfig(a.ldap);
      } catch (e) {
        throw new HubError(500, (e as Error).message);
      }
      return {
        authenticator: new LdapAuthenticator(settings, log),
        policy,
        adminUsers,
        native: null,
        bootstrap: null,
        afterStart: async () => undefined,
      };
    }
    default:
      throw new HubError(500, `auth.type ${JSON.stringify(a.type)} is not available in this version of nbhub (use dummy or native)`);
  }
}
