// Rules that involve more than one key (a postgres database needs a URL, …). Each rule names the
// section it reads; it is skipped when the schema already found a problem there, so it never
// reasons about a value of the wrong type.
import type { Config } from './schema.ts';
import type { ConfigFinding, ConfigPath } from './errors.ts';
import { OAUTH_SECTIONS } from './schema/auth.ts';
import { SUPPORTED_CUSTOM_CLASSES, customClassMapping } from './customAuth.ts';
import { parseSize } from './quantity.ts';
import { checkLocalSpawner } from './localSpawnerChecks.ts';
import { checkNamedProvider, OPENID_BY_DEFAULT } from './providerChecks.ts';
import { CryptoKeyError, parseCryptoKeys } from '../auth/authState.ts';

export interface CrossCheck {
  /** The keys the rule reads. */
  reads: ConfigPath[];
  check(config: Config): ConfigFinding[];
}

/**
 * Until server lifecycle state lives in the database (issue: high availability), a second hub
 * replica would keep readiness in its own memory, delete the routes of servers another replica
 * started and stop servers another replica is still starting. So only one is allowed.
 */
export const HUB_REPLICAS_REFUSAL =
  'must be 1: each hub replica still keeps server state (readiness, pending spawns, routes) in its own memory, so a second replica would stop or unroute servers the first one started; several replicas are not supported yet';

const missing = (path: ConfigPath, why: string, anchor?: ConfigPath): ConfigFinding => ({ path, anchor, message: `is required ${why}` });
/** A required secret: `config check` of files without the deployment's secrets file only warns. */
const missingSecret = (path: ConfigPath, why: string, anchor?: ConfigPath): ConfigFinding => ({ ...missing(path, why, anchor), secret: true });

export const CROSS_CHECKS: CrossCheck[] = [
  {
    reads: [['hub', 'db'], ['hub', 'replicas']],
    check({ hub }) {
      const out: ConfigFinding[] = [];
      if ((hub.db.type === 'postgres' || hub.db.type === 'mysql') && !hub.db.url) {
        out.push(missingSecret(['hub', 'db', 'url'], `when hub.db.type is ${hub.db.type} (or set NBHUB_DB_URL)`, ['hub', 'db', 'type']));
      }
      if (hub.replicas > 1) {
        out.push({ path: ['hub', 'replicas'], message: HUB_REPLICAS_REFUSAL });
      }
      return out;
    },
  },
  {
    reads: [['proxy']],
    check({ proxy }) {
      const out: ConfigFinding[] = [];
      const https = proxy.https;
      const at: ConfigPath = ['proxy', 'https', 'type'];
      if (https.enabled && https.type === 'manual') {
        if (!https.manual.key) out.push(missingSecret(['proxy', 'https', 'manual', 'key'], 'for proxy.https.type manual', at));
        if (!https.manual.cert) out.push(missing(['proxy', 'https', 'manual', 'cert'], 'for proxy.https.type manual', at));
      }
      if (https.enabled && https.type === 'letsencrypt') {
        if (!https.letsencrypt.contactEmail) out.push(missing(['proxy', 'https', 'letsencrypt', 'contactEmail'], 'for proxy.https.type letsencrypt', at));
        if (!https.hosts.length) out.push({ path: ['proxy', 'https', 'hosts'], anchor: at, message: 'must name at least one domain for proxy.https.type letsencrypt' });
      }
      if (https.enabled && https.type === 'secret' && !https.secret.name) {
        out.push(missing(['proxy', 'https', 'secret', 'name'], 'for proxy.https.type secret', at));
      }
      if (proxy.api.url && !proxy.secretToken) {
        out.push(missingSecret(['proxy', 'secretToken'], 'to use the proxy API at proxy.api.url (or set CONFIGPROXY_AUTH_TOKEN)', ['proxy', 'api', 'url']));
      }
      return out;
    },
  },
  {
    reads: [['auth']],
    check: checkAuth,
  },
  {
    reads: [['auth', 'state'], ['singleuser', 'authStateEnv']],
    check: checkAuthState,
  },
  {
    reads: [['singleuser', 'profileList']],
    check({ singleuser }) {
      const out: ConfigFinding[] = [];
      const defaults = singleuser.profileList.map((p, i) => (p.default ? i : -1)).filter((i) => i >= 0);
      for (const i of defaults.slice(1)) {
        out.push({ path: ['singleuser', 'profileList', i, 'default'], message: `only one profile may be the default (profile ${defaults[0]} already is)` });
      }
      const slugs = new Map<string, number>();
      singleuser.profileList.forEach((p, i) => {
        if (!p.slug) return;
        const first = slugs.get(p.slug);
        if (first !== undefined) out.push({ path: ['singleuser', 'profileList', i, 'slug'], message: `slug ${JSON.stringify(p.slug)} is already used by profile ${first}` });
        else slugs.set(p.slug, i);
      });
      return out;
    },
  },
  {
    reads: [['singleuser', 'memory'], ['singleuser', 'cpu']],
    check({ singleuser }) {
      const out: ConfigFinding[] = [];
      const { memory, cpu } = singleuser;
      if (memory.limit !== null && memory.guarantee !== null && parseSize(memory.guarantee) > parseSize(memory.limit)) {
        out.push({ path: ['singleuser', 'memory', 'guarantee'], message: 'is more than singleuser.memory.limit' });
      }
      if (cpu.limit !== null && cpu.guarantee !== null && cpu.guarantee > cpu.limit) {
        out.push({ path: ['singleuser', 'cpu', 'guarantee'], message: 'is more than singleuser.cpu.limit' });
      }
      return out;
    },
  },
  {
    reads: [['singleuser', 'storage']],
    check({ singleuser }) {
      const s = singleuser.storage;
      return s.type === 'static' && !s.static.pvcName
        ? [missing(['singleuser', 'storage', 'static', 'pvcName'], 'when singleuser.storage.type is static', ['singleuser', 'storage', 'type'])]
        : [];
    },
  },
  { reads: [['singleuser'], ['spawner', 'kind']], check: checkLocalSpawner },
];

/** allowedScopes are among the requested scopes; user info from the id_token needs one (openid). */
function checkOAuthScopes(s: { scopes: string[]; allowedScopes: string[]; userdataFromIdToken: boolean }, base: ConfigPath, openidByDefault: boolean): ConfigFinding[] {
  const out: ConfigFinding[] = [];
  const requested = s.scopes.length ? s.scopes : openidByDefault ? ['openid', 'profile', 'email'] : [];
  const notRequested = s.allowedScopes.filter((sc) => !requested.includes(sc));
  if (notRequested.length) {
    out.push({ path: [...base, 'allowedScopes'], message: `lists ${notRequested.join(', ')}, which ${base.join('.')}.scopes does not request (a token can only be granted requested scopes)` });
  }
  if (s.userdataFromIdToken && !requested.includes('openid')) {
    out.push({ path: [...base, 'scopes'], anchor: [...base, 'userdataFromIdToken'], message: 'must include openid when userdataFromIdToken is true (no id_token is issued without it)' });
  }
  return out;
}


function checkAuth({ auth }: Config): ConfigFinding[] {
  const out: ConfigFinding[] = [];
  const typeAt: ConfigPath = ['auth', 'type'];
  const sectionName = OAUTH_SECTIONS[auth.type as keyof typeof OAUTH_SECTIONS];
  if (sectionName) {
    const s = auth[sectionName];
    const why = `for auth.type ${auth.type}`;
    if (!s.clientId) out.push(missing(['auth', sectionName, 'clientId'], why, typeAt));
    if (!s.clientSecret) out.push(missingSecret(['auth', sectionName, 'clientSecret'], why, typeAt));
  }
  if (sectionName) out.push(...checkOAuthScopes(auth[sectionName], ['auth', sectionName], auth.type === 'oidc' || OPENID_BY_DEFAULT.has(auth.type)));
  if (auth.type === 'generic-oauth' || auth.type === 'oidc') {
    const s = auth[auth.type === 'oidc' ? 'oidc' : 'genericOAuth'];
    const base: ConfigPath = ['auth', auth.type === 'oidc' ? 'oidc' : 'genericOAuth'];
    if (!s.issuer) {
      // user info from the id_token needs no userinfo endpoint
      for (const key of s.userdataFromIdToken ? (['tokenUrl'] as const) : (['tokenUrl', 'userdataUrl'] as const)) {
        if (!s[key]) out.push(missing([...base, key], `for auth.type ${auth.type} when no issuer is set`, typeAt));
      }
      if (!s.authorizeUrl) {
        out.push({
          path: [...base, 'authorizeUrl'],
          anchor: typeAt,
          message: 'is not set (nor issuer, nor OAUTH2_AUTHORIZE_URL): logins fail until the hub environment provides it',
          warning: 'CONFIG_INCOMPLETE',
        });
      }
    }
  }
  if (auth.type === 'azuread' && !auth.azuread.tenantId) out.push(missing(['auth', 'azuread', 'tenantId'], 'for auth.type azuread', typeAt));
  out.push(...checkNamedProvider(auth));
  if (auth.type === 'mediawiki') {
    if (!auth.mediawiki.clientId) out.push(missing(['auth', 'mediawiki', 'clientId'], 'for auth.type mediawiki (the consumer key)', typeAt));
    if (!auth.mediawiki.clientSecret) out.push(missing(['auth', 'mediawiki', 'clientSecret'], 'for auth.type mediawiki (the consumer secret)', typeAt));
  }
  if (auth.type === 'ldap') out.push(...checkLdap(auth.ldap, typeAt));
  if (auth.type === 'custom') {
    const className = auth.custom.className;
    if (!className) out.push(missing(['auth', 'custom', 'className'], 'for auth.type custom', typeAt));
    else if (!customClassMapping(className)) {
      out.push({
        path: ['auth', 'custom', 'className'],
        message: `${className} is a Python class nbhub cannot run; supported: ${SUPPORTED_CUSTOM_CLASSES.join(', ')} (or pick an auth.type)`,
      });
    }
  }
  if (auth.state.enabled && !auth.state.cryptoKey) {
    out.push(missingSecret(['auth', 'state', 'cryptoKey'], 'when auth.state.enabled is true (or set NBHUB_CRYPT_KEY)', ['auth', 'state', 'enabled']));
  }
  return out;
}

/** Auth state: a key that is not 32 bytes, and authStateEnv with nothing to read from. */
function checkAuthState({ auth, singleuser }: Config): ConfigFinding[] {
  const out: ConfigFinding[] = [];
  const { enabled, cryptoKey } = auth.state;
  if (cryptoKey) {
    try {
      parseCryptoKeys(cryptoKey);
    } catch (e) {
      if (!(e instanceof CryptoKeyError)) throw e;
      out.push({ path: ['auth', 'state', 'cryptoKey'], message: e.message.replace(/^auth\.state\.cryptoKey /, '') });
    }
  }
  if (!enabled && Object.keys(singleuser.authStateEnv).length) {
    out.push({
      path: ['singleuser', 'authStateEnv'],
      message: 'needs auth.state.enabled: true (there is no auth state to take the variables from)',
    });
  }
  return out;
}

function checkLdap(ldap: Config['auth']['ldap'], typeAt: ConfigPath): ConfigFinding[] {
  const out: ConfigFinding[] = [];
  const at = (...p: string[]): ConfigPath => ['auth', 'ldap', ...p];
  const why = 'for auth.type ldap';
  if (!ldap.server.address) out.push(missing(at('server', 'address'), why, typeAt));
  const { dn } = ldap;
  if (!dn.templates.length && !dn.lookup) {
    out.push({ path: at('dn', 'templates'), anchor: typeAt, message: 'must list at least one DN template (or set auth.ldap.dn.lookup: true)' });
  }
  dn.templates.forEach((tpl, i) => {
    if (!tpl.includes('{username}')) out.push({ path: [...at('dn', 'templates'), i], message: 'must contain {username} (where the login name goes)' });
  });
  if (dn.lookup) {
    const lookupAt = at('dn', 'lookup');
    if (!dn.user.searchBase) out.push(missing(at('dn', 'user', 'searchBase'), 'when auth.ldap.dn.lookup is true', lookupAt));
    if (!dn.user.dnAttribute) out.push(missing(at('dn', 'user', 'dnAttribute'), 'when auth.ldap.dn.lookup is true', lookupAt));
    if (dn.search.filter.includes('{login_attr}') && !dn.user.attribute) {
      out.push(missing(at('dn', 'user', 'attribute'), 'when auth.ldap.dn.search.filter uses {login_attr}', lookupAt));
    }
    if (dn.search.user && !dn.search.password) out.push(missing(at('dn', 'search', 'password'), 'when auth.ldap.dn.search.user is set', at('dn', 'search', 'user')));
  }
  if (ldap.searchFilter) {
    if (!dn.user.searchBase) out.push(missing(at('dn', 'user', 'searchBase'), 'when auth.ldap.searchFilter is set', at('searchFilter')));
    if (ldap.searchFilter.includes('{userattr}') && !dn.user.attribute) {
      out.push(missing(at('dn', 'user', 'attribute'), 'when auth.ldap.searchFilter uses {userattr}', at('searchFilter')));
    }
  }
  try {
    new RegExp(dn.user.validRegex, 'u');
  } catch (e) {
    out.push({ path: at('dn', 'user', 'validRegex'), message: `is not a valid regular expression: ${(e as Error).message}` });
  }
  const tls = ldap.server.tls;
  if (Boolean(tls.certFile) !== Boolean(tls.keyFile)) {
    out.push({ path: at('server', 'tls', tls.certFile ? 'keyFile' : 'certFile'), message: 'is required too: a client certificate needs both certFile and keyFile' });
  }
  return out;
}

