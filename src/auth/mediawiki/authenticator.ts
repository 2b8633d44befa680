// Log in with a MediaWiki wiki over OAuth 1.0a, as oauthenticator's MWOAuthenticator and
// Wikimedia's PAWS do:
//   beginLogin:    Special:OAuth/initiate (oauth_callback=oob) → request token; the browser goes
//                  to Special:OAuth/authenticate, and the wiki sends it back to the callback URL
//                  registered with the consumer, with oauth_token and oauth_verifier.
//   completeLogin: Special:OAuth/token with the verifier → access token; Special:OAuth/identify
//                  → a JWT checked in identify.ts. Auth state is MWOAuthenticator's:
//                  {ACCESS_TOKEN_KEY, ACCESS_TOKEN_SECRET, MEDIAWIKI_USER_IDENTITY}.
//   refreshUser:   the grant still works (identify with the stored access token) and the global
//                  account is not locked (api.php meta=globaluserinfo, PAWS's check).
// Names stay as the wiki spells them ("Jane Doe (WMF)"): no lowercasing, no '_' for ' ' (as
// MWOAuthenticator once did); a '_' written in config or the API is read as the wiki's ' '.
import { timingSafeEqual } from 'node:crypto';
import type { Logger } from 'pino';
import { AuthSourceError, type Authenticated, type AuthDenied, type LoginRedirect, type RedirectAuthenticator, type RefreshOutcome } from '../types.ts';
import { verifyIdentify, type MediawikiIdentity } from './identify.ts';
import { apiUrlBeside, specialPageUrl, WikiClient, type TokenPair } from './wikiClient.ts';

export interface MediawikiSettings {
  clientId: string;
  clientSecret: string;
  mwIndexUrl: string;
  /** null: api.php beside mwIndexUrl. */
  apiUrl: string | null;
  loginService: string;
  identifyLeewaySeconds: number;
  identifyMaxAgeSeconds: number;
  requestTimeoutSeconds: number;
}

export interface MediawikiAuthenticatorOptions {
  settings: MediawikiSettings;
  logger: Logger;
  now?: () => Date;
  userAgent?: string;
  fetch?: typeof fetch;
}

/** Keys of the auth state, as MWOAuthenticator names them (PAWS's hooks read these). */
export const AUTH_STATE_KEYS = Object.freeze({
  accessKey: 'ACCESS_TOKEN_KEY',
  accessSecret: 'ACCESS_TOKEN_SECRET',
  identity: 'MEDIAWIKI_USER_IDENTITY',
});

const BAD_CALLBACK = 'The login could not be completed: the wiki’s answer did not match this login attempt. Please start the login again.';
const WIKI_REFUSED = 'The wiki refused to complete the login. Please start the login again.';

export class MediawikiAuthenticator implements RedirectAuthenticator {
  readonly kind = 'mediawiki';
  readonly usesPasswordForm = false as const;
  readonly lowercaseNames = false;
  readonly displayName: string;
  private readonly wiki: WikiClient;
  private readonly now: () => Date;

  constructor(private readonly opts: MediawikiAuthenticatorOptions) {
    const s = opts.settings;
    this.displayName = s.loginService;
    this.now = opts.now ?? (() => new Date());
    this.wiki = new WikiClient({
      indexUrl: s.mwIndexUrl,
      apiUrl: s.apiUrl ?? apiUrlBeside(s.mwIndexUrl),
      consumer: { key: s.clientId, secret: s.clientSecret },
      timeoutMs: s.requestTimeoutSeconds * 1000,
      userAgent: opts.userAgent ?? 'nbhub-mediawiki-login/1 (JupyterHub-compatible hub)',
      fetch: opts.fetch,
    });
  }

  /**
   * Names are kept as the wiki spells them (case, spaces, parentheses). MediaWiki treats '_'
   * and ' ' in a user name as the same character and spells names with spaces, so names written
   * with underscores (PAWS lists its admins as BDavis_(WMF)) become the wiki's spelling.
   */
  normalizeName(name: string): string {
    return name.replaceAll('_', ' ');
  }

  /** The wiki's central user id (the identify JWT's `sub`), which a rename on the wiki keeps. */
  stableUserId(authState: Record<string, unknown> | null): string | null {
    const identity = authState?.[AUTH_STATE_KEYS.identity];
    const sub = typeof identity === 'object' && identity !== null ? (identity as Record<string, unknown>).sub : undefined;
    return typeof sub === 'string' && sub !== '' ? sub : typeof sub === 'number' ? String(sub) : null;
  }

  async beginLogin(): Promise<LoginRedirect> {
    const answer = await this.wiki.signedPost('initiate', null, { oauth_callback: 'oob' });
    const form = answer.status === 200 ? new URLSearchParams(answer.body) : null;
    const key = form?.get('oauth_token');
    const secret = form?.get('oauth_token_secret');
    if (!key || !secret) {
      throw new AuthSourceError(WIKI_REFUSED, `Special:OAuth/initiate answered HTTP ${answer.status} without a request token${wikiErrorHint(answer.body)}`);
    }
    const redirectUrl = specialPageUrl(this.opts.settings.mwIndexUrl, 'Special:OAuth/authenticate', {
      oauth_token: key,
      oauth_consumer_key: this.opts.settings.clientId,
    });
    return { redirectUrl, pending: { requestToken: key, requestTokenSecret: secret } };
  }

  async completeLogin(req: { query: URLSearchParams; pending: Record<string, unknown> }): Promise<Authenticated | AuthDenied> {
    const requestToken = stringField(req.pending, 'requestToken');
    const requestTokenSecret = stringField(req.pending, 'requestTokenSecret');
    const returnedToken = req.query.get('oauth_token');
    const verifier = req.query.get('oauth_verifier');
    if (!requestToken || !requestTokenSecret) throw new AuthSourceError(BAD_CALLBACK, 'mediawiki callback without a pending request token (cookie missing or expired)', 400);
    if (!returnedToken || !verifier) throw new AuthSourceError(BAD_CALLBACK, 'mediawiki callback without oauth_token and oauth_verifier', 400);
    if (!sameString(returnedToken, requestToken)) throw new AuthSourceError(BAD_CALLBACK, 'mediawiki callback names another request token than this browser’s', 400);

    const tokenAnswer = await this.wiki.signedPost('token', { key: requestToken, secret: requestTokenSecret }, { oauth_verifier: verifier });
    const form = tokenAnswer.status === 200 ? new URLSearchParams(tokenAnswer.body) : null;
    const access: TokenPair = { key: form?.get('oauth_token') ?? '', secret: form?.get('oauth_token_secret') ?? '' };
    if (!access.key || !access.secret) {
      throw new AuthSourceError(WIKI_REFUSED, `Special:OAuth/token answered HTTP ${tokenAnswer.status} without an access token${wikiErrorHint(tokenAnswer.body)}`);
    }
    const identity = await this.identify(access);
    this.opts.logger.info({ wikiUser: identity.username, centralId: identity.sub }, 'mediawiki: identity verified');
    return {
      name: identity.username,
      admin: null,
      authState: {
        [AUTH_STATE_KEYS.accessKey]: access.key,
        [AUTH_STATE_KEYS.accessSecret]: access.secret,
        [AUTH_STATE_KEYS.identity]: identity,
      },
    };
  }

  /**
   * PAWS's refresh_user, plus a check of the grant: a revoked grant or a locked global account
   * means log in again and stop the user's servers; a wiki that cannot be asked means log in
   * again (as PAWS: its answer is unknown) but leaves the servers running.
   */
  async refreshUser(user: { name: string; authState: Record<string, unknown> | null }): Promise<RefreshOutcome> {
    const state = user.authState;
    const key = state ? stringField(state, AUTH_STATE_KEYS.accessKey) : null;
    const secret = state ? stringField(state, AUTH_STATE_KEYS.accessSecret) : null;
    try {
      if (key && secret) {
        const grant = await this.grantStillValid({ key, secret });
        if (!grant.valid) return { kind: 'relogin', reason: `the wiki no longer accepts the user's grant (${grant.why})`, stopServers: true };
      }
      const { locked, missing } = await this.wiki.globalAccountLocked(user.name);
      if (locked) return { kind: 'relogin', reason: 'the global wiki account is locked', stopServers: true };
      if (missing) return { kind: 'relogin', reason: 'the wiki has no global account of this name', stopServers: false };
      return { kind: 'fresh' };
    } catch (e) {
      if (e instanceof AuthSourceError) return { kind: 'relogin', reason: `the wiki could not be asked: ${e.logDetail}`, stopServers: false };
      throw e;
    }
  }

  private async identify(access: TokenPair): Promise<MediawikiIdentity> {
    const answer = await this.wiki.signedPost('identify', access);
    if (answer.status !== 200) throw new AuthSourceError(WIKI_REFUSED, `Special:OAuth/identify answered HTTP ${answer.status}${wikiErrorHint(answer.body)}`);
    const s = this.opts.settings;
    return verifyIdentify(answer.body, {
      consumerKey: s.clientId,
      consumerSecret: s.clientSecret,
      indexUrl: s.mwIndexUrl,
      nonce: answer.nonce,
      leewaySeconds: s.identifyLeewaySeconds,
      maxAgeSeconds: s.identifyMaxAgeSeconds,
      now: this.now,
    });
  }

  /** identify with the stored token: the wiki answers an mwoauth-invalid-authorization error once the grant is revoked. */
  private async grantStillValid(access: TokenPair): Promise<{ valid: true } | { valid: false; why: string }> {
    const answer = await this.wiki.signedPost('identify', access);
    const body = answer.body.trim();
    if (answer.status === 200 && !body.startsWith('{')) return { valid: true };
    const code = wikiErrorCode(body);
    if (code?.startsWith('mwoauth-invalid-authorization')) return { valid: false, why: code };
    throw new AuthSourceError(WIKI_REFUSED, `Special:OAuth/identify answered HTTP ${answer.status}${code ? ` (error ${code})` : ''}`);
  }
}

function stringField(o: Record<string, unknown>, k: string): string | null {
  const v = o[k];
  return typeof v === 'string' && v !== '' ? v : null;
}

function sameString(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** MediaWiki's OAuth endpoints answer errors as JSON {error, message}; only the code is kept. */
function wikiErrorCode(body: string): string | null {
  try {
    const e = (JSON.parse(body) as { error?: unknown }).error;
    return typeof e === 'string' ? e.slice(0, 80) : null;
  } catch {
    return null;
  }
}

function wikiErrorHint(body: string): string {
  const code = wikiErrorCode(body.trim());
  return code ? ` (error ${code})` : '';
}
