// The contract: every operation of JupyterHub 5.5.1's REST API description (fixtures/
// jupyterhub-rest-api.yml) called on nbhub, its status one the description documents and its
// body valid against the documented schema; and each operation called by a token without the
// scope it needs answered 403 (or 404 where JupyterHub hides that the resource exists).
//
// Two readings of the description, both JupyterHub's own behaviour: fields documented as
// strings/objects may be null (JupyterHub sends `server: null`, `pending: null`, … as its prose
// says), and GET /services is an object keyed by service name (apihandlers/services.py), not
// the array the description shows.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import YAML from 'yaml';
import { Ajv, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';
import { startTestHub, login, type TestHub } from './support.ts';
import type { HubApi } from '../support/hubApi.ts';

const here = path.dirname(fileURLToPath(import.meta.url));
const spec = YAML.parse(readFileSync(path.join(here, 'fixtures', 'jupyterhub-rest-api.yml'), 'utf8'));
const addFormats = addFormatsModule as unknown as (a: Ajv) => Ajv;

/** Every typed schema also admits null; $refs point into the registered description. */
function lenient(s: unknown): unknown {
  if (Array.isArray(s)) return s.map(lenient);
  if (!s || typeof s !== 'object') return s;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(s)) {
    if (k === '$ref' && typeof v === 'string') out[k] = `spec${v}`;
    else if (k === 'properties' && v && typeof v === 'object') out[k] = Object.fromEntries(Object.entries(v).map(([p, ps]) => [p, lenient(ps)]));
    else out[k] = lenient(v);
  }
  if (typeof out.type === 'string') out.type = [out.type, 'null'];
  if (Array.isArray(out.enum)) out.enum = [...out.enum, null];
  return out;
}

const ajv = new Ajv({ strict: false, allErrors: true });
addFormats(ajv);
ajv.addSchema(lenient({ components: spec.components }) as object, 'spec');
const validators = new Map<string, ValidateFunction>();

/** Asserts `status` is documented for the operation and `body` matches its JSON schema. */
function conforms(method: string, specPath: string, status: number, body: unknown): void {
  const op = spec.paths[specPath]?.[method.toLowerCase()];
  assert.ok(op, `${method} ${specPath} is not in the description`);
  const resp = op.responses[String(status)] ?? op.responses[status];
  assert.ok(resp, `${method} ${specPath} answered ${status}, which the description does not document (${Object.keys(op.responses).join(', ')}): ${JSON.stringify(body)}`);
  let schema = resp.content?.['application/json']?.schema;
  if (!schema) return;
  if (method === 'GET' && specPath === '/services') schema = { type: 'object', additionalProperties: schema.items };
  const key = `${method} ${specPath} ${status}`;
  let v = validators.get(key);
  if (!v) {
    v = ajv.compile(lenient(schema) as object);
    validators.set(key, v);
  }
  assert.ok(v(body), `${key}: ${ajv.errorsText(v.errors)}\n${JSON.stringify(body).slice(0, 2000)}`);
}

let t: TestHub;
let none: HubApi;
const covered = new Set<string>();

before(async () => {
  t = await startTestHub({ config: { hub: { allowNamedServers: true } } });
  await t.createUsers('alice', 'bob', 'carol');
  // carol's token holds no scopes beyond identifying herself
  none = t.as(await t.tokenFor('carol', { scopes: [] }));
});

after(async () => {
  await t?.close();
});

interface Step {
  method: string;
  spec: string;
  path: string;
  body?: unknown;
  headers?: Record<string, string>;
  status: number;
  /** What a caller without scopes gets (default 403, or 404 where existence is hidden). */
  denied?: number[] | null;
}

async function run(s: Step): Promise<{ status: number; body: any }> {
  covered.add(`${s.method} ${s.spec}`);
  if (s.denied !== null) {
    const d = await none.call(s.method, s.path, s.body, s.headers);
    assert.ok((s.denied ?? [403, 404]).includes(d.status), `${s.method} ${s.path} without scopes: ${d.status} ${JSON.stringify(d.body)}`);
  }
  const r = await t.api.call(s.method, s.path, s.body, s.headers);
  assert.equal(r.status, s.status, `${s.method} ${s.path}: ${JSON.stringify(r.body)}`);
  conforms(s.method, s.spec, r.status, r.body);
  return r;
}

test('hub, users, servers, activity and tokens conform', async () => {
  await run({ method: 'GET', spec: '/', path: '/', status: 200, denied: null });
  await run({ method: 'GET', spec: '/info', path: '/info', status: 200, denied: [403] });
  await run({ method: 'GET', spec: '/user', path: '/user', status: 200, denied: null });
  await run({ method: 'POST', spec: '/users', path: '/users', body: { usernames: ['dave', 'erin'] }, status: 201, denied: [403] });
  await run({ method: 'GET', spec: '/users', path: '/users', status: 200, denied: [403] });
  await run({ method: 'POST', spec: '/users/{name}', path: '/users/frank', status: 201 });
  await run({ method: 'GET', spec: '/users/{name}', path: '/users/alice', status: 200 });
  await run({ method: 'PATCH', spec: '/users/{name}', path: '/users/frank', body: { admin: false }, status: 200 });
  await run({ method: 'POST', spec: '/users/{name}/server', path: '/users/alice/server', status: 201 });
  await run({ method: 'GET', spec: '/users/{name}', path: '/users/alice', status: 200 });
  await run({ method: 'POST', spec: '/users/{name}/servers/{server_name}', path: '/users/alice/servers/lab', status: 201 });
  const when = new Date().toISOString();
  await run({ method: 'POST', spec: '/users/{name}/activity', path: '/users/alice/activity', body: { last_activity: when, servers: { '': { last_activity: when } } }, status: 200 });
  await run({ method: 'DELETE', spec: '/users/{name}/servers/{server_name}', path: '/users/alice/servers/lab', status: 204 });
  await run({ method: 'DELETE', spec: '/users/{name}/server', path: '/users/alice/server', status: 204 });
  const tok = await run({ method: 'POST', spec: '/users/{name}/tokens', path: '/users/bob/tokens', body: { note: 'contract', expires_in: 3600 }, status: 201 });
  await run({ method: 'GET', spec: '/users/{name}/tokens', path: '/users/bob/tokens', status: 200 });
  await run({ method: 'GET', spec: '/users/{name}/tokens/{token_id}', path: `/users/bob/tokens/${tok.body.id}`, status: 200 });
  await run({ method: 'GET', spec: '/authorizations/token/{token}', path: `/authorizations/token/${tok.body.token}`, status: 200, denied: null });
  await run({ method: 'DELETE', spec: '/users/{name}/tokens/{token_id}', path: `/users/bob/tokens/${tok.body.id}`, status: 204 });
  await run({ method: 'DELETE', spec: '/users/{name}', path: '/users/frank', status: 204 });
});

test('groups conform', async () => {
  await run({ method: 'POST', spec: '/groups/{name}', path: '/groups/class', body: { users: ['alice'] }, status: 201 });
  await run({ method: 'GET', spec: '/groups', path: '/groups', status: 200, denied: [403] });
  await run({ method: 'GET', spec: '/groups/{name}', path: '/groups/class', status: 200 });
  await run({ method: 'POST', spec: '/groups/{name}/users', path: '/groups/class/users', body: { users: ['bob'] }, status: 200 });
  await run({ method: 'DELETE', spec: '/groups/{name}/users', path: '/groups/class/users', body: { users: ['bob'] }, status: 200 });
  await run({ method: 'PUT', spec: '/groups/{name}/properties', path: '/groups/class/properties', body: { course: 'x' }, status: 200 });
  await run({ method: 'DELETE', spec: '/groups/{name}', path: '/groups/class', status: 204 });
});

test('services, proxy, authorizations and OAuth endpoints conform', async () => {
  await run({ method: 'GET', spec: '/services', path: '/services', status: 200, denied: [403] });
  await run({ method: 'GET', spec: '/services/{name}', path: '/services/tester', status: 200 });
  await run({ method: 'GET', spec: '/proxy', path: '/proxy', status: 200, denied: [403] });
  await run({ method: 'POST', spec: '/proxy', path: '/proxy', status: 200, denied: [403] });
  // JupyterHub re-points itself at another proxy; nbhub's proxy is fixed by config: a documented refusal is not possible (200 only)
  const patch = await t.api.call('PATCH', '/proxy', { api_url: 'http://127.0.0.1:1/' });
  assert.equal(patch.status, 400);
  covered.add('PATCH /proxy');
  // removed in JupyterHub 2.0 (404), though the description still lists it
  assert.equal((await t.api.call('POST', '/authorizations/token', {})).status, 404);
  covered.add('POST /authorizations/token');
  const jar = await login(t.url, 'alice');
  const cookie = encodeURIComponent(jar.get('jupyterhub-hub-login')!);
  await run({ method: 'GET', spec: '/authorizations/cookie/{cookie_name}/{cookie_value}', path: `/authorizations/cookie/jupyterhub-hub-login/${cookie}`, status: 200, denied: null });
  // the OAuth endpoints are exercised end to end in oauth.test.ts; here: their documented errors
  const authz = await jar.fetch(`${t.url}hub/api/oauth2/authorize?client_id=nope&response_type=code`);
  await authz.arrayBuffer();
  assert.equal(authz.status, 400);
  covered.add('GET /oauth2/authorize');
  const token = await fetch(`${t.url}hub/api/oauth2/token`, { method: 'POST', body: new URLSearchParams({ grant_type: 'authorization_code', code: 'x', client_id: 'nope', client_secret: 'x' }) });
  assert.ok(token.status >= 400 && token.status < 500);
  await token.arrayBuffer();
  covered.add('POST /oauth2/token');
});

test('shutdown conforms (its 400 for a bad flag; the shutdown itself is in proxyShutdown.test.ts)', async () => {
  await run({ method: 'POST', spec: '/shutdown', path: '/shutdown', body: { servers: 'maybe' }, status: 400, denied: [403] });
});

test('sharing conforms (shares, shared-with lists, share codes)', async () => {
  await t.api.call('POST', '/groups/sharers', { users: ['bob'] });
  await run({ method: 'POST', spec: '/shares/{owner}/{server_name}', path: '/shares/alice/', body: { user: 'bob' }, status: 200 });
  await run({ method: 'POST', spec: '/shares/{owner}/{server_name}', path: '/shares/alice/', body: { group: 'sharers' }, status: 200 });
  await run({ method: 'GET', spec: '/shares/{owner}', path: '/shares/alice', status: 200 });
  await run({ method: 'GET', spec: '/shares/{owner}/{server_name}', path: '/shares/alice/', status: 200 });
  await run({ method: 'GET', spec: '/users/{name}/shared', path: '/users/bob/shared', status: 200 });
  await run({ method: 'GET', spec: '/users/{name}/shared/{owner}/{server_name}', path: '/users/bob/shared/alice/', status: 200 });
  await run({ method: 'GET', spec: '/groups/{name}/shared', path: '/groups/sharers/shared', status: 200 });
  await run({ method: 'GET', spec: '/groups/{name}/shared/{owner}/{server_name}', path: '/groups/sharers/shared/alice/', status: 200 });
  await run({ method: 'DELETE', spec: '/groups/{name}/shared/{owner}/{server_name}', path: '/groups/sharers/shared/alice/', status: 204 });
  await run({ method: 'PATCH', spec: '/shares/{owner}/{server_name}', path: '/shares/alice/', body: { user: 'bob', scopes: ['read:servers'] }, status: 200 });
  await run({ method: 'DELETE', spec: '/users/{name}/shared/{owner}/{server_name}', path: '/users/bob/shared/alice/', status: 204 });
  await run({ method: 'DELETE', spec: '/shares/{owner}/{server_name}', path: '/shares/alice/', status: 204 });
  await run({ method: 'POST', spec: '/share-codes/{owner}/{server_name}', path: '/share-codes/alice/', body: { expires_in: 600 }, status: 200 });
  await run({ method: 'GET', spec: '/share-codes/{owner}', path: '/share-codes/alice', status: 200 });
  await run({ method: 'GET', spec: '/share-codes/{owner}/{server_name}', path: '/share-codes/alice/', status: 200 });
  await run({ method: 'DELETE', spec: '/share-codes/{owner}/{server_name}', path: '/share-codes/alice/', status: 204 });
});

test('the checker itself refuses wrong shapes and undocumented statuses', () => {
  assert.throws(() => conforms('GET', '/users/{name}', 200, { name: 5 }), /must be string/);
  assert.throws(() => conforms('GET', '/users', 200, { items: [] }), /must be array/);
  assert.throws(() => conforms('GET', '/groups/{name}', 200, { kind: 'user' }), /must be equal to one of the allowed values/);
  assert.throws(() => conforms('GET', '/users/{name}', 418, {}), /does not document/);
});

test('every operation of the description is exercised above', () => {
  const all: string[] = [];
  for (const [p, ops] of Object.entries(spec.paths as Record<string, Record<string, unknown>>)) {
    for (const m of Object.keys(ops)) if (['get', 'post', 'put', 'patch', 'delete'].includes(m)) all.push(`${m.toUpperCase()} ${p}`);
  }
  assert.equal(all.length, 51);
  assert.deepEqual(
    all.filter((op) => !covered.has(op)),
    [],
  );
});
