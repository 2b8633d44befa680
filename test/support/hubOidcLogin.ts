// Logs a user into a running hub through its identity provider without a browser:
// /hub/oauth_login → the provider's login and consent pages → /hub/oauth_callback, carrying
// the hub's cookies like a browser would.
import { loginAtProvider } from './oidcProvider.ts';

export interface HubCallback {
  /** The callback URL the provider sent the browser to (code and state in its query). */
  callbackUrl: string;
  /** The hub's cookies after /hub/oauth_login (the signed login state). */
  cookie: string;
}

export interface HubAnswer {
  status: number;
  location: string | null;
  body: string;
  /** Cookies the hub set (name=value). */
  cookies: string[];
}

function cookiesOf(res: Response): string[] {
  return res.headers.getSetCookie().map((c) => c.split(';')[0]);
}

/** Starts a login at the hub and goes through the provider; stops before the callback. */
export async function startHubLogin(hubUrl: string, user: string, opts: { next?: string; consent?: boolean } = {}): Promise<HubCallback | HubAnswer> {
  const url = `${hubUrl}hub/oauth_login${opts.next ? `?next=${encodeURIComponent(opts.next)}` : ''}`;
  const res = await fetch(url, { redirect: 'manual' });
  const location = res.headers.get('location');
  if (res.status !== 302 || !location) return { status: res.status, location, body: await res.text(), cookies: cookiesOf(res) };
  await res.arrayBuffer();
  const cookie = cookiesOf(res).join('; ');
  return { callbackUrl: await loginAtProvider(location, user, { consent: opts.consent }), cookie };
}

/** Calls the hub's callback with the given cookie. */
export async function finishHubLogin(cb: HubCallback, cookie = cb.cookie): Promise<HubAnswer> {
  const res = await fetch(cb.callbackUrl, { redirect: 'manual', headers: cookie ? { cookie } : {} });
  return { status: res.status, location: res.headers.get('location'), body: await res.text(), cookies: cookiesOf(res) };
}

export function isCallback(x: HubCallback | HubAnswer): x is HubCallback {
  return 'callbackUrl' in x;
}

/** The whole login; returns the callback's answer (302 + login cookie on success). */
export async function hubOidcLogin(hubUrl: string, user: string, opts: { next?: string; consent?: boolean } = {}): Promise<HubAnswer> {
  const started = await startHubLogin(hubUrl, user, opts);
  return isCallback(started) ? finishHubLogin(started) : started;
}
