// The id_token's signature, checked against the issuer's JWKS with node's crypto (a synchronous
// verify with key objects made once per key set) instead of openid-client's WebCrypto path, which
// cost about a twentieth of the hub's CPU per login. openid-client still checks everything else
// about the id_token (alg as registered, iss, aud, azp, exp, iat, nonce). Keys are fetched at the
// first login, fetched again when older than 10 minutes, and when a token names a key the set
// does not have (at most every 30 seconds, so unknown key ids cannot make the hub hammer the
// provider).
import { createPublicKey, verify, constants, type KeyObject, type JsonWebKey } from 'node:crypto';
import type { ProviderHttp } from './provider.ts';

const MAX_AGE_MS = 10 * 60 * 1000;
const REFETCH_AFTER_MS = 30 * 1000;

interface Jwk extends JsonWebKey {
  kid?: string;
  use?: string;
  alg?: string;
  kty?: string;
}

interface AlgSpec {
  kty: string;
  hash: string | null;
  padding?: number;
  saltLength?: number;
  dsaEncoding?: 'ieee-p1363';
  crv?: string;
}

const ALGS: Record<string, AlgSpec> = {
  RS256: { kty: 'RSA', hash: 'sha256', padding: constants.RSA_PKCS1_PADDING },
  RS384: { kty: 'RSA', hash: 'sha384', padding: constants.RSA_PKCS1_PADDING },
  RS512: { kty: 'RSA', hash: 'sha512', padding: constants.RSA_PKCS1_PADDING },
  PS256: { kty: 'RSA', hash: 'sha256', padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 },
  PS384: { kty: 'RSA', hash: 'sha384', padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 48 },
  PS512: { kty: 'RSA', hash: 'sha512', padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 64 },
  ES256: { kty: 'EC', hash: 'sha256', dsaEncoding: 'ieee-p1363', crv: 'P-256' },
  ES384: { kty: 'EC', hash: 'sha384', dsaEncoding: 'ieee-p1363', crv: 'P-384' },
  ES512: { kty: 'EC', hash: 'sha512', dsaEncoding: 'ieee-p1363', crv: 'P-521' },
  EdDSA: { kty: 'OKP', hash: null },
  Ed25519: { kty: 'OKP', hash: null, crv: 'Ed25519' },
};

/** Why an id_token's signature was not accepted (the engine turns it into a 502 for the user). */
export class IdTokenSignatureError extends Error {
  readonly code = 'NBHUB_ID_TOKEN_SIGNATURE';
}

export interface IdTokenSignatureChecker {
  /** Resolves when `idToken`'s signature is made by one of the issuer's keys; throws otherwise. */
  check(idToken: string): Promise<void>;
}

interface KeySet {
  keys: Array<{ jwk: Jwk; key: KeyObject | null }>;
  at: number;
}

export function idTokenSignatureChecker(jwksUri: string, http: ProviderHttp, now: () => number = Date.now): IdTokenSignatureChecker {
  let set: KeySet | null = null;
  let loading: Promise<KeySet> | null = null;

  function load(): Promise<KeySet> {
    loading ??= (async () => {
      try {
        const res = await http.json(jwksUri);
        const keys = (res.body as { keys?: unknown } | null)?.keys;
        if (res.status >= 400 || !Array.isArray(keys)) {
          throw new IdTokenSignatureError(`the issuer's key set (jwks_uri) answered HTTP ${res.status} without a "keys" list`);
        }
        set = { keys: keys.filter((k): k is Jwk => !!k && typeof k === 'object').map((jwk) => ({ jwk, key: null })), at: now() };
        return set;
      } finally {
        loading = null;
      }
    })();
    return loading;
  }

  function candidates(s: KeySet, kid: string | undefined, spec: AlgSpec, alg: string) {
    return s.keys.filter(
      ({ jwk }) =>
        jwk.kty === spec.kty &&
        (kid === undefined || jwk.kid === kid) &&
        (jwk.use === undefined || jwk.use === 'sig') &&
        (jwk.alg === undefined || jwk.alg === alg) &&
        (spec.crv === undefined || jwk.crv === spec.crv),
    );
  }

  return {
    async check(idToken) {
      const parts = idToken.split('.');
      if (parts.length !== 3) throw new IdTokenSignatureError('the id_token is not a signed JWT (JWS compact form)');
      let header: { alg?: unknown; kid?: unknown };
      try {
        header = JSON.parse(Buffer.from(parts[0], 'base64url').toString('utf8')) as typeof header;
      } catch {
        throw new IdTokenSignatureError('the id_token header is not JSON');
      }
      const alg = typeof header.alg === 'string' ? header.alg : '';
      const spec = ALGS[alg];
      if (!spec) throw new IdTokenSignatureError(`the id_token is signed with an algorithm the hub does not accept: ${JSON.stringify(alg.slice(0, 20))}`);
      const kid = typeof header.kid === 'string' ? header.kid : undefined;
      let s = set !== null && now() - set.at < MAX_AGE_MS ? set : await load();
      let found = candidates(s, kid, spec, alg);
      if (found.length === 0 && now() - s.at >= REFETCH_AFTER_MS) {
        s = await load();
        found = candidates(s, kid, spec, alg);
      }
      if (found.length === 0) throw new IdTokenSignatureError(`no key of the issuer's key set matches the id_token (kid ${JSON.stringify(kid ?? null)}, alg ${alg})`);
      const data = Buffer.from(`${parts[0]}.${parts[1]}`);
      const signature = Buffer.from(parts[2], 'base64url');
      for (const c of found) {
        try {
          c.key ??= createPublicKey({ key: c.jwk, format: 'jwk' });
        } catch {
          continue; // a key the set lists but node cannot read: not this one
        }
        const ok = verify(spec.hash, data, { key: c.key, padding: spec.padding, saltLength: spec.saltLength, dsaEncoding: spec.dsaEncoding }, signature);
        if (ok) return;
      }
      throw new IdTokenSignatureError(`the id_token's signature does not match the issuer's key (kid ${JSON.stringify(kid ?? null)}, alg ${alg})`);
    },
  };
}
