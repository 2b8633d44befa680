// The id_token signature check (idTokenSignature.ts) with real keys and signatures from node's
// crypto: RS256/PS256/ES256/EdDSA accepted from the issuer's key, refused when made by another
// key, tampered, unsigned or HMAC-signed with the public key; key rotation; key set failures.
import assert from 'node:assert/strict';
import { createHmac, generateKeyPairSync, sign, constants, type KeyObject } from 'node:crypto';
import { describe, it } from 'node:test';
import { idTokenSignatureChecker, IdTokenSignatureError } from './idTokenSignature.ts';
import type { ProviderHttp } from './provider.ts';

const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
const claims = { iss: 'https://idp.example', sub: 'alice', aud: 'hub', exp: 4102444800, iat: 1700000000 };

function jws(alg: string, kid: string | undefined, key: KeyObject, payload: unknown = claims): string {
  const input = `${b64({ alg, ...(kid ? { kid } : {}) })}.${b64(payload)}`;
  const opts =
    alg === 'PS256'
      ? { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 }
      : alg === 'ES256'
        ? { key, dsaEncoding: 'ieee-p1363' as const }
        : { key };
  return `${input}.${sign(alg === 'EdDSA' ? null : 'sha256', Buffer.from(input), opts).toString('base64url')}`;
}

function rsa() {
  return generateKeyPairSync('rsa', { modulusLength: 2048 });
}
const jwkOf = (k: KeyObject, extra: Record<string, string>) => ({ ...k.export({ format: 'jwk' }), ...extra });

/** The issuer's JWKS endpoint as the engine's ProviderHttp sees it; counts the fetches. */
function keySetAt(keys: () => unknown[], status = 200) {
  const calls: string[] = [];
  const http: ProviderHttp = {
    json: async (url) => {
      calls.push(url);
      return { status, body: status < 400 ? { keys: keys() } : { error: 'down' }, headers: new Headers() };
    },
  };
  return { http, calls };
}

const refused = (re: RegExp) => (e: unknown) => e instanceof IdTokenSignatureError && re.test(e.message);

describe('id_token signature check', () => {
  it("accepts the issuer's RS256 signature and reuses the key set", async () => {
    const { publicKey, privateKey } = rsa();
    const { http, calls } = keySetAt(() => [jwkOf(publicKey, { kid: 'k1', use: 'sig', alg: 'RS256' })]);
    const c = idTokenSignatureChecker('https://idp.example/jwks', http);
    await c.check(jws('RS256', 'k1', privateKey));
    await c.check(jws('RS256', 'k1', privateKey, { ...claims, sub: 'bob' }));
    assert.deepEqual(calls, ['https://idp.example/jwks']);
  });

  it('refuses another key, a changed payload, no signature, and HS256 made with the public key', async () => {
    const issuer = rsa();
    const other = rsa();
    const { http } = keySetAt(() => [jwkOf(issuer.publicKey, { kid: 'k1' })]);
    const c = idTokenSignatureChecker('https://idp.example/jwks', http);
    await assert.rejects(c.check(jws('RS256', 'k1', other.privateKey)), refused(/does not match/));
    const good = jws('RS256', 'k1', issuer.privateKey).split('.');
    await assert.rejects(c.check(`${good[0]}.${b64({ ...claims, sub: 'mallory' })}.${good[2]}`), refused(/does not match/));
    await assert.rejects(c.check(`${b64({ alg: 'none' })}.${b64(claims)}.`), refused(/algorithm the hub does not accept/));
    const pem = issuer.publicKey.export({ type: 'spki', format: 'pem' });
    const input = `${b64({ alg: 'HS256', kid: 'k1' })}.${b64(claims)}`;
    await assert.rejects(c.check(`${input}.${createHmac('sha256', pem).update(input).digest('base64url')}`), refused(/algorithm the hub does not accept/));
    await assert.rejects(c.check('not-a-jwt'), refused(/not a signed JWT/));
  });

  it('accepts PS256, ES256 and EdDSA keys, each only for its own algorithm', async () => {
    const r = rsa();
    const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const ed = generateKeyPairSync('ed25519');
    const { http } = keySetAt(() => [jwkOf(r.publicKey, { kid: 'r' }), jwkOf(ec.publicKey, { kid: 'e' }), jwkOf(ed.publicKey, { kid: 'd' })]);
    const c = idTokenSignatureChecker('https://idp.example/jwks', http);
    await c.check(jws('PS256', 'r', r.privateKey));
    await c.check(jws('ES256', 'e', ec.privateKey));
    await c.check(jws('EdDSA', 'd', ed.privateKey));
    await c.check(jws('ES256', undefined, ec.privateKey)); // no kid: any key of the right type
    await assert.rejects(c.check(jws('RS256', 'e', r.privateKey)), refused(/no key of the issuer's key set matches/));
  });

  it('fetches the key set again for an unknown kid, at most every 30 s', async () => {
    const old = rsa();
    const rotated = rsa();
    let keys = [jwkOf(old.publicKey, { kid: 'old' })];
    let t = 1_000_000;
    const { http, calls } = keySetAt(() => keys);
    const c = idTokenSignatureChecker('https://idp.example/jwks', http, () => t);
    await c.check(jws('RS256', 'old', old.privateKey));
    keys = [jwkOf(rotated.publicKey, { kid: 'new' })];
    await assert.rejects(c.check(jws('RS256', 'new', rotated.privateKey)), refused(/no key/)); // fetched 1 s ago: not again
    assert.equal(calls.length, 1);
    t += 31_000;
    await c.check(jws('RS256', 'new', rotated.privateKey));
    assert.equal(calls.length, 2);
    t += 11 * 60_000; // older than 10 minutes: fetched again before use
    await c.check(jws('RS256', 'new', rotated.privateKey));
    assert.equal(calls.length, 3);
  });

  it('fails clearly when the key set cannot be had, and tries again at the next login', async () => {
    const { privateKey, publicKey } = rsa();
    let status = 500;
    const calls: string[] = [];
    const http: ProviderHttp = {
      json: async (url) => {
        calls.push(url);
        return { status, body: status < 400 ? { keys: [jwkOf(publicKey, { kid: 'k' })] } : 'oops', headers: new Headers() };
      },
    };
    const c = idTokenSignatureChecker('https://idp.example/jwks', http);
    await assert.rejects(c.check(jws('RS256', 'k', privateKey)), refused(/jwks_uri\) answered HTTP 500/));
    status = 200;
    await c.check(jws('RS256', 'k', privateKey));
    assert.equal(calls.length, 2);
  });
});
