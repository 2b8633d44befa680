// Bodies under /hub/api/ are JSON whatever their Content-Type (none, urlencoded as `curl -d`
// sends, text/plain), as JupyterHub reads them; malformed JSON is 400 {status, message}. The
// hub's own HTML forms stay urlencoded forms.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestHub, login, type TestHub } from './support.ts';

let t: TestHub;

before(async () => {
  t = await startTestHub();
});

after(async () => {
  await t?.close();
});

const KINDS: { label: string; type: string | null }[] = [
  { label: 'no Content-Type', type: null },
  { label: 'application/x-www-form-urlencoded', type: 'application/x-www-form-urlencoded' },
  { label: 'text/plain', type: 'text/plain' },
  { label: 'application/json', type: 'application/json' },
];

/** Sends `text` as the body; with type null no Content-Type header is sent at all. */
async function send(method: string, path: string, text: string, type: string | null, token = t.token): Promise<{ status: number; body: any; type: string | null }> {
  const headers: Record<string, string> = { Authorization: `token ${token}` };
  if (type) headers['Content-Type'] = type;
  // a Uint8Array body makes fetch send no Content-Type of its own
  const res = await fetch(`${t.url}hub/api${path}`, { method, headers, body: new TextEncoder().encode(text), redirect: 'manual' });
  const raw = await res.text();
  let body: unknown = raw;
  try {
    body = raw ? JSON.parse(raw) : null;
  } catch {
    /* not JSON */
  }
  return { status: res.status, body, type: res.headers.get('content-type') };
}

test('POST /users reads the JSON body under every Content-Type', async () => {
  for (const [i, k] of KINDS.entries()) {
    const names = [`ct${i}a`, `ct${i}b`];
    const r = await send('POST', '/users', JSON.stringify({ usernames: names }), k.type);
    assert.equal(r.status, 201, `${k.label}: ${JSON.stringify(r.body)}`);
    assert.deepEqual(r.body.map((u: { name: string }) => u.name).sort(), names, k.label);
  }
});

test('PATCH /users/{name}, POST tokens and activity read JSON under every Content-Type', async () => {
  await t.createUsers('patchme');
  for (const k of KINDS) {
    const admin = k.type !== 'text/plain';
    const p = await send('PATCH', '/users/patchme', JSON.stringify({ admin }), k.type);
    assert.equal(p.status, 200, `${k.label}: ${JSON.stringify(p.body)}`);
    assert.equal(p.body.admin, admin, k.label);

    const note = `note via ${k.label}`;
    const tok = await send('POST', '/users/patchme/tokens', JSON.stringify({ note, expires_in: 600 }), k.type);
    assert.equal(tok.status, 201, `${k.label}: ${JSON.stringify(tok.body)}`);
    assert.equal(tok.body.note, note, k.label);
    assert.ok(tok.body.expires_at, k.label);

    const when = new Date(Date.UTC(2026, 0, 2, 3, 4, 5)).toISOString();
    const act = await send('POST', '/users/patchme/activity', JSON.stringify({ last_activity: when }), k.type);
    assert.ok(act.status >= 200 && act.status < 300, `${k.label}: ${act.status} ${JSON.stringify(act.body)}`);
  }
  const u = await t.api.call('GET', '/users/patchme');
  assert.equal(u.body.last_activity, '2026-01-02T03:04:05Z');
});

test('malformed JSON is 400 {status, message} under every Content-Type', async () => {
  for (const k of KINDS) {
    for (const [method, path] of [
      ['POST', '/users'],
      ['PATCH', '/users/patchme'],
      ['POST', '/users/patchme/tokens'],
    ]) {
      const r = await send(method, path, '{"usernames": [', k.type);
      assert.equal(r.status, 400, `${method} ${path} with ${k.label}`);
      assert.match(String(r.type), /^application\/json/);
      assert.equal(r.body.status, 400);
      assert.match(r.body.message, /not valid JSON/);
    }
  }
});

test('an empty body is read as no body (the culler stops servers with one)', async () => {
  for (const k of KINDS) {
    const r = await send('POST', '/users', '', k.type);
    assert.equal(r.status, 400, k.label);
    assert.match(r.body.message, /at least one user/, k.label);
  }
});

test("the hub's HTML login form is still an urlencoded form", async () => {
  const jar = await login(t.url, 'formuser');
  assert.ok(jar.get('jupyterhub-hub-login'), 'the login form set the login cookie');
  const me = await t.api.call('GET', '/users/formuser');
  assert.equal(me.status, 200);
});

test('the OAuth2 token endpoint still reads a form body (RFC 6749), not JSON', async () => {
  const res = await fetch(`${t.url}hub/api/oauth2/token`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'authorization_code', code: 'nope', client_id: 'nobody', client_secret: 'x', redirect_uri: '/x' }).toString(),
  });
  const body = (await res.json()) as { error?: string; message?: string };
  // read as a form: an OAuth error about the unknown client/code, not "not valid JSON"
  assert.equal(res.status >= 400 && res.status < 500, true);
  assert.doesNotMatch(JSON.stringify(body), /not valid JSON/);
});
