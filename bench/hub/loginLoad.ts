// Measurement 2: POST /hub/login (dummy login), a new user on every request, under wrk load.
// The login page is fetched once; its cookies and _xsrf form field are reused by every POST.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { rawRequest } from '../lib/http.ts';
import { runWrk, unexpectedCount } from '../lib/wrk.ts';
import type { ProcessRegistry } from '../lib/processes.ts';
import type { HubUnderTest } from './types.ts';
import type { LoadMeasurement, LoadSettings } from './measurements.ts';
import { HubApi } from './hubApi.ts';

const SCRIPT = path.join(path.dirname(fileURLToPath(import.meta.url)), 'login.lua');

interface LoginForm {
  cookie: string;
  xsrf: string;
}

async function loginForm(hub: HubUnderTest): Promise<LoginForm> {
  const url = `${hub.publicUrl}hub/login`;
  // Sent the way a browser navigating to the page sends it.
  const r = await rawRequest(url, { headers: { Accept: 'text/html', 'Sec-Fetch-Mode': 'navigate' } });
  const html = r.body;
  if (r.status !== 200) throw new Error(`${hub.label}: GET ${url} answered ${r.status}`);
  const cookie = (r.headers['set-cookie'] ?? [])
    .map((c) => c.split(';')[0].trim())
    .filter((c) => c.includes('='))
    .join('; ');
  const input = /<input[^>]*name="_xsrf"[^>]*>/.exec(html)?.[0];
  const xsrf = input ? /value="([^"]*)"/.exec(input)?.[1] : undefined;
  if (!xsrf || !cookie.includes('_xsrf=')) {
    throw new Error(`${hub.label}: the login page has no _xsrf ${xsrf ? 'cookie' : 'form field'} (cookies: ${cookie.replace(/=[^;]*/g, '=…') || 'none'})`);
  }
  return { cookie, xsrf };
}

async function loginOnce(hub: HubUnderTest, form: LoginForm, username: string): Promise<number> {
  const r = await rawRequest(`${hub.publicUrl}hub/login`, {
    method: 'POST',
    headers: { Cookie: form.cookie, 'Content-Type': 'application/x-www-form-urlencoded' },
    body: `_xsrf=${encodeURIComponent(form.xsrf)}&username=${encodeURIComponent(username)}&password=bench`,
  });
  return r.status;
}

export async function measureLogin(hub: HubUnderTest, userPrefix: string, s: LoadSettings, procs: ProcessRegistry): Promise<LoadMeasurement> {
  const form = await loginForm(hub);
  const probe = await loginOnce(hub, form, `${userPrefix}probe`);
  if (probe !== 302) throw new Error(`${hub.label}: a single POST /hub/login answered ${probe}, not 302; not starting the load`);
  const common = {
    url: `${hub.publicUrl}hub/login`,
    connections: s.connections,
    threads: s.threads,
    timeoutS: 5,
    script: SCRIPT,
    workDir: s.workDir,
  };
  const env = (phase: string) => ({
    BENCH_LOGIN_PATH: '/hub/login',
    BENCH_COOKIE: form.cookie,
    BENCH_XSRF: encodeURIComponent(form.xsrf),
    BENCH_USER_PREFIX: `${userPrefix}${phase}`,
  });
  const slug = `${hub.label}-login`;
  const api = new HubApi(hub);
  const notes: string[] = [];
  const usersBefore = await api.countUsers().catch((e: Error) => (notes.push(`cannot count users: ${e.message}`), null));
  let warm302 = 0;
  if (s.warmupS > 0) warm302 = (await runWrk({ ...common, durationS: s.warmupS, env: env('w'), label: `${slug}-warmup` }, procs)).statuses['302'] ?? 0;
  const result = await runWrk({ ...common, durationS: s.durationS, env: env('m'), label: slug }, procs);
  // Every 302 must have made one new user; a few more may exist from requests still in
  // flight when wrk stopped counting.
  if (usersBefore !== null) {
    const made = (await api.countUsers()) - usersBefore;
    const answered = warm302 + (result.statuses['302'] ?? 0);
    if (made < answered || made > answered + 2 * s.connections) {
      notes.push(`${answered} logins answered 302 but the hub has ${made} new users`);
    }
  }
  // The measured logins must have made users (wrk 4.1 never sends the first body request()
  // builds, so `m1-1` is never used: look at the first few names).
  let found = false;
  for (let n = 1; n <= 20 && !found; n++) {
    found = await api.getUser(`${userPrefix}m1-${n}`).then(
      () => true,
      () => false,
    );
  }
  if (!found) notes.push(`none of the users ${userPrefix}m1-1 … m1-20 exists after the load: logins answered 302 without creating users?`);
  return { via: 'public proxy port', result, expected: [302], errors: unexpectedCount(result, [302]), notes };
}
