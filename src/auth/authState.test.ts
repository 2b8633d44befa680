import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import {
  AuthStateOpenError,
  CryptoKeyError,
  authStatePath,
  openAuthState,
  parseCryptoKeys,
  sealAuthState,
  sealedKeyId,
} from './authState.ts';

const hexKey = () => randomBytes(32).toString('hex');
const STATE = { access_token: 'gho_secret-token-value', refresh_token: 'r-123', user: { groups: ['physics', 'chem'], id: 7 } };

describe('auth state keys', () => {
  it('accepts hex and base64 (standard and url-safe) 32-byte keys separated by ;', () => {
    const raw = randomBytes(32);
    const keys = parseCryptoKeys(`${raw.toString('hex')}; ${raw.toString('base64')} ;${raw.toString('base64url')};`);
    assert.equal(keys.length, 3);
    for (const k of keys) assert.deepEqual(k.secret, raw);
    assert.equal(new Set(keys.map((k) => k.id)).size, 1, 'the same key has the same id whatever its spelling');
    assert.match(keys[0].id, /^[0-9a-f]{16}$/);
    assert.ok(!raw.toString('hex').includes(keys[0].id), 'the id is not a piece of the key');
  });

  it('refuses short, long and non-key text, naming the key and never showing it', () => {
    const good = hexKey();
    const bad = 'not-a-key-but-a-password';
    assert.throws(() => parseCryptoKeys(`${good};${bad}`), (e: unknown) => {
      assert.ok(e instanceof CryptoKeyError);
      assert.equal(e.code, 'AUTH_STATE_KEY_INVALID');
      assert.match(e.message, /key 2 of 2 in auth\.state\.cryptoKey/);
      assert.ok(!e.message.includes(bad) && !e.message.includes(good));
      return true;
    });
    assert.throws(() => parseCryptoKeys(randomBytes(16).toString('hex')), CryptoKeyError);
    assert.throws(() => parseCryptoKeys(randomBytes(33).toString('base64')), CryptoKeyError);
    assert.throws(() => parseCryptoKeys(' ; ', 'NBHUB_CRYPT_KEY'), /NBHUB_CRYPT_KEY holds no key/);
  });
});

describe('sealing auth state', () => {
  const keys = parseCryptoKeys(hexKey());

  it('round-trips a state and hides its content', () => {
    const sealed = sealAuthState(keys, 42, STATE);
    assert.deepEqual(openAuthState(keys, 42, sealed), STATE);
    assert.ok(!sealed.includes('gho_secret'));
    assert.ok(!Buffer.from(sealed.split('.')[3], 'base64url').toString('latin1').includes('gho_secret'));
    assert.match(sealed, /^nbhub-as1\.[0-9a-f]{16}\.[\w-]+\.[\w-]+\.[\w-]+$/);
    assert.equal(sealedKeyId(sealed), keys[0].id);
    assert.notEqual(sealAuthState(keys, 42, STATE), sealed, 'a fresh IV each time');
  });

  it('does not open with a wrong key', () => {
    const sealed = sealAuthState(keys, 1, STATE);
    const other = parseCryptoKeys(hexKey());
    assert.throws(() => openAuthState(other, 1, sealed), (e: unknown) => e instanceof AuthStateOpenError && /not among the configured keys/.test(e.message));
    // same key id forged onto another key: authentication fails
    const forged = [{ id: keys[0].id, secret: other[0].secret }];
    assert.throws(() => openAuthState(forged, 1, sealed), /authentication failed/);
  });

  it('detects tampering with any part and a row moved to another user', () => {
    const sealed = sealAuthState(keys, 5, STATE);
    const parts = sealed.split('.');
    for (const i of [2, 3, 4]) {
      const bytes = Buffer.from(parts[i], 'base64url');
      bytes[bytes.length - 1] ^= 1;
      const changed = [...parts];
      changed[i] = bytes.toString('base64url');
      assert.throws(() => openAuthState(keys, 5, changed.join('.')), AuthStateOpenError, `part ${i}`);
    }
    assert.throws(() => openAuthState(keys, 6, sealed), /belongs to another user/);
    assert.throws(() => openAuthState(keys, 5, JSON.stringify(STATE)), /not an nbhub auth state envelope/);
    assert.throws(() => openAuthState(keys, 5, 'nbhub-as1.a.b.c'), AuthStateOpenError);
  });

  it('rotation: the first key seals, every key opens', () => {
    const oldKeys = parseCryptoKeys(hexKey());
    const before = sealAuthState(oldKeys, 9, { access_token: 'old' });
    const rotated = parseCryptoKeys(`${hexKey()};${oldKeys[0].secret.toString('hex')}`);
    assert.deepEqual(openAuthState(rotated, 9, before), { access_token: 'old' });
    const after = sealAuthState(rotated, 9, { access_token: 'new' });
    assert.equal(sealedKeyId(after), rotated[0].id);
    assert.throws(() => openAuthState(oldKeys, 9, after), AuthStateOpenError, 'the old key alone cannot read new rows');
  });
});

describe('authStatePath', () => {
  it('finds keys, dotted paths, array indexes and keys containing dots', () => {
    const s = { access_token: 't', user: { groups: ['a', 'b'], 'x.y': 1 }, 'dotted.key': 'whole', n: 0, f: false };
    assert.equal(authStatePath(s, 'access_token'), 't');
    assert.deepEqual(authStatePath(s, 'user.groups'), ['a', 'b']);
    assert.equal(authStatePath(s, 'user.groups.1'), 'b');
    assert.equal(authStatePath(s, 'dotted.key'), 'whole');
    assert.equal(authStatePath(s, 'n'), 0);
    assert.equal(authStatePath(s, 'f'), false);
    assert.equal(authStatePath(s, 'user.missing'), undefined);
    assert.equal(authStatePath(s, 'access_token.length'), undefined, 'no walking into strings');
    assert.equal(authStatePath(s, 'user.groups.toString'), undefined, 'no inherited properties');
  });
});
