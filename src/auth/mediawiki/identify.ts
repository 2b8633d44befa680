// Checks the JWT that MediaWiki's Special:OAuth/identify returns, as python-mwoauth does
// (functions.identify): HS256 signed with the consumer secret, audience = the consumer key,
// issuer = the wiki ($wgCanonicalServer, compared as an origin), issued at most a few seconds
// in the future and not long ago, and nonce = the nonce of the signed identify request
// (a replayed answer carries another request's nonce).
import { errors, jwtVerify, type JWTPayload } from 'jose';
import { AuthSourceError } from '../types.ts';

/** The identity MediaWiki vouches for (the JWT's claims). */
export interface MediawikiIdentity extends JWTPayload {
  /** The user's central (global) account id: stable across renames. */
  sub: string;
  username: string;
  nonce: string;
}

export interface IdentifyCheck {
  consumerKey: string;
  consumerSecret: string;
  /** The wiki's index.php: its origin is the expected issuer. */
  indexUrl: string;
  /** The oauth_nonce the identify request was signed with. */
  nonce: string;
  leewaySeconds: number;
  maxAgeSeconds: number;
  now: () => Date;
}

export const IDENTIFY_REFUSED = 'The wiki’s answer about who you are could not be verified, so you were not logged in. Please try again; if it keeps happening, tell the hub’s administrators.';

const refused = (detail: string) => new AuthSourceError(IDENTIFY_REFUSED, `Special:OAuth/identify answer refused: ${detail}`, 502);

/** The body of Special:OAuth/identify → the verified identity, or AuthSourceError saying why not. */
export async function verifyIdentify(body: string, c: IdentifyCheck): Promise<MediawikiIdentity> {
  const text = body.trim();
  // The endpoint answers HTTP 200 with a JSON error object when the grant is bad.
  if (text.startsWith('{')) throw refused(`the wiki answered an error (${mediawikiErrorCode(text) ?? 'unreadable'})`);
  let payload: JWTPayload;
  try {
    ({ payload } = await jwtVerify(text, new TextEncoder().encode(c.consumerSecret), {
      algorithms: ['HS256'],
      audience: c.consumerKey,
      clockTolerance: c.leewaySeconds,
      maxTokenAge: c.maxAgeSeconds,
      currentDate: c.now(),
      requiredClaims: ['iss', 'iat', 'sub', 'aud'],
    }));
  } catch (e) {
    throw refused(jwtProblem(e));
  }
  const expectedIssuer = new URL(c.indexUrl).origin;
  if (typeof payload.iss !== 'string' || originOf(payload.iss) !== expectedIssuer) {
    throw refused(`issuer ${JSON.stringify(String(payload.iss).slice(0, 200))} is not the wiki ${expectedIssuer}`);
  }
  if (payload.nonce !== c.nonce) throw refused('nonce does not match the request’s (a replayed or foreign answer)');
  if (typeof payload.username !== 'string' || payload.username === '') throw refused('no username claim');
  return payload as MediawikiIdentity;
}

function originOf(s: string): string | null {
  try {
    return new URL(s).origin;
  } catch {
    return null;
  }
}

/** What was wrong with the JWT, without echoing it. */
function jwtProblem(e: unknown): string {
  if (e instanceof errors.JWSSignatureVerificationFailed) return 'signature does not verify with the consumer secret';
  if (e instanceof errors.JWTClaimValidationFailed || e instanceof errors.JWTExpired) return `claim ${e.claim}: ${e.reason} (${e.message})`;
  if (e instanceof errors.JOSEError) return `${e.code}: ${e.message}`;
  return 'not a JWT';
}

function mediawikiErrorCode(text: string): string | null {
  try {
    const v = (JSON.parse(text) as { error?: unknown }).error;
    return typeof v === 'string' ? v.slice(0, 80) : null;
  } catch {
    return null;
  }
}
