// AuthStates over a real (in-memory SQLite) store: nothing readable in the row, rotation
// (old rows readable, re-sealed with the new key on read), unreadable rows, disabled state.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { pino } from 'pino';
import { openStore } from '../store/index.ts';
import type { Store } from '../store/types.ts';
import { parseCryptoKeys, sealedKeyId } from '../auth/authState.ts';
import { AuthStates } from './authStates.ts';

const logger = pino({ level: 'silent' });
const hex = () => randomBytes(32).toString('hex');
const STATE = { access_token: 'ya29.SECRET-ACCESS', refresh_token: '1//SECRET-REFRESH' };

describe('AuthStates', () => {
  let store: Store;
  beforeEach(async () => {
    store = await openStore({ type: 'sqlite-memory', dataDir: '', logger });
    await store.migrate();
    await store.createUsers(['alice', 'bob'], { admin: false, now: new Date() });
  });
  afterEach(() => store.close());

  it('the stored row holds no token; reading gives the state back', async () => {
    const states = new AuthStates(store, parseCryptoKeys(hex()), logger);
    assert.equal(await states.write('alice', STATE), true);
    const raw = (await store.getUser('alice'))!.encryptedAuthState!;
    assert.ok(!raw.includes('SECRET') && !Buffer.from(raw, 'latin1').toString().includes('ya29'));
    assert.deepEqual(await states.read('alice'), STATE);
    assert.equal(await states.write('nobody', STATE), false);
    await states.write('alice', null);
    assert.equal((await store.getUser('alice'))!.encryptedAuthState, null);
  });

  it('rotation: old rows stay readable and are sealed again with the new key when read', async () => {
    const oldKey = hex();
    await new AuthStates(store, parseCryptoKeys(oldKey), logger).write('alice', STATE);
    const before = (await store.getUser('alice'))!.encryptedAuthState!;
    const rotated = parseCryptoKeys(`${hex()};${oldKey}`);
    const states = new AuthStates(store, rotated, logger);
    assert.deepEqual(await states.read('alice'), STATE);
    const after = (await store.getUser('alice'))!.encryptedAuthState!;
    assert.notEqual(after, before);
    assert.equal(sealedKeyId(after), rotated[0].id);
    assert.deepEqual(await new AuthStates(store, [rotated[0]], logger).read('alice'), STATE, 'the old key can now be dropped');
  });

  it('a row sealed with an unknown key, changed, or copied from another user reads as null', async () => {
    const keys = parseCryptoKeys(hex());
    const states = new AuthStates(store, keys, logger);
    await new AuthStates(store, parseCryptoKeys(hex()), logger).write('alice', STATE);
    assert.equal(await states.read('alice'), null);
    await states.write('alice', STATE);
    const sealed = (await store.getUser('alice'))!.encryptedAuthState!;
    await store.updateUser('bob', { encryptedAuthState: sealed });
    assert.equal(await states.read('bob'), null, 'bound to the user it was sealed for');
    const i = sealed.length - 5; // inside the tag, clear of base64 padding bits
    const changed = `${sealed.slice(0, i)}${sealed[i] === 'A' ? 'B' : 'A'}${sealed.slice(i + 1)}`;
    await store.updateUser('alice', { encryptedAuthState: changed });
    assert.equal(await states.read('alice'), null);
  });

  it('disabled: nothing is written, nothing is read', async () => {
    const keys = parseCryptoKeys(hex());
    await new AuthStates(store, keys, logger).write('alice', STATE);
    const off = new AuthStates(store, null, logger);
    assert.equal(off.enabled, false);
    assert.equal(await off.read('alice'), null);
    await off.write('bob', STATE);
    assert.equal((await store.getUser('bob'))!.encryptedAuthState, null);
    assert.equal(off.seal({ id: 1 }, STATE), undefined);
  });
});
