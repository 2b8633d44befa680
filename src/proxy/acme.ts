// HTTPS certificates from an ACME CA (Let's Encrypt; pebble in tests) over the HTTP-01 challenge.
// The account key, certificate and its key are kept in one directory (files 0600, written as a
// temp file + rename). A start-up with a stored certificate that covers the domains and is not
// due for renewal talks to nobody — restarts never re-issue. A certificate is due once two
// thirds of its lifetime have passed (Let's Encrypt's advice: renew 90-day certificates after
// 60 days); renewal runs in the background, failures are retried with back-off while the old
// certificate keeps being served, and `onRenewed` swaps the new one into the TLS server.

import { X509Certificate } from 'node:crypto';
import { chmodSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import type http from 'node:http';
import path from 'node:path';
import * as acme from 'acme-client';
import type { Logger } from 'pino';

export interface AcmeCertificatesOptions {
  domains: string[];
  email: string;
  directoryUrl: string;
  /** Where account.key, cert.pem and key.pem are kept. */
  dir: string;
  logger: Logger;
  now?: () => Date;
  /** Called with each renewed certificate. */
  onRenewed?: (material: CertificateMaterial) => void;
}

export interface CertificateMaterial {
  key: string;
  cert: string;
  notBefore: Date;
  notAfter: Date;
}

export class AcmeError extends Error {
  readonly code = 'PROXY_ACME_FAILED';
}

const CHALLENGE_PREFIX = '/.well-known/acme-challenge/';
const MAX_TIMER_MS = 12 * 3600_000;
const RETRY_MIN_MS = 60_000;
const RETRY_MAX_MS = 3600_000;

/** The renewal point: two thirds into the certificate's lifetime. */
export function renewalTime(notBefore: Date, notAfter: Date): Date {
  return new Date(notBefore.getTime() + ((notAfter.getTime() - notBefore.getTime()) * 2) / 3);
}

function writePrivate(file: string, content: string): void {
  const temp = `${file}.tmp-${process.pid}`;
  writeFileSync(temp, content, { mode: 0o600 });
  renameSync(temp, file);
}

function readOptional(file: string): string | null {
  try {
    return readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
}

/** Certificate and key from PEM, or null when they do not parse or do not belong together. */
function material(key: string, cert: string): CertificateMaterial | null {
  try {
    const x509 = new X509Certificate(cert);
    return { key, cert, notBefore: new Date(x509.validFrom), notAfter: new Date(x509.validTo) };
  } catch {
    return null;
  }
}

function covers(cert: string, domains: string[]): boolean {
  try {
    const x509 = new X509Certificate(cert);
    return domains.every((d) => x509.checkHost(d, { wildcards: false }) !== undefined);
  } catch {
    return false;
  }
}

export class AcmeCertificates {
  private readonly challenges = new Map<string, string>();
  private readonly now: () => Date;
  private readonly logger: Logger;
  private timer: NodeJS.Timeout | null = null;
  private retryMs = RETRY_MIN_MS;
  private closed = false;
  current: CertificateMaterial | null = null;

  constructor(private readonly opts: AcmeCertificatesOptions) {
    this.now = opts.now ?? (() => new Date());
    this.logger = opts.logger;
  }

  private file(name: string): string {
    return path.join(this.opts.dir, name);
  }

  /** The stored certificate if it is usable and not yet due, else a newly issued one. */
  async start(): Promise<CertificateMaterial> {
    mkdirSync(this.opts.dir, { recursive: true, mode: 0o700 });
    chmodSync(this.opts.dir, 0o700);
    const stored = this.stored();
    if (stored !== null) {
      // a certificate that is due but still valid is served while the new one is fetched
      this.logger.info({ domains: this.opts.domains, notAfter: stored.notAfter.toISOString() }, 'using the stored ACME certificate');
      this.current = stored;
    } else {
      this.current = await this.issue();
    }
    this.schedule();
    return this.current;
  }

  private stored(): CertificateMaterial | null {
    const key = readOptional(this.file('key.pem'));
    const cert = readOptional(this.file('cert.pem'));
    if (key === null || cert === null) return null;
    const m = material(key, cert);
    if (m === null || !covers(cert, this.opts.domains) || m.notAfter <= this.now()) return null;
    return m;
  }

  private async accountKey(): Promise<string> {
    const existing = readOptional(this.file('account.key'));
    if (existing !== null) return existing;
    const created = (await acme.crypto.createPrivateEcdsaKey()).toString();
    writePrivate(this.file('account.key'), created);
    return created;
  }

  /** Orders, validates (HTTP-01) and downloads a certificate; stores it. */
  async issue(): Promise<CertificateMaterial> {
    const { domains, email, directoryUrl } = this.opts;
    this.logger.info({ domains, directory: directoryUrl }, 'requesting a certificate over ACME');
    const client = new acme.Client({ directoryUrl, accountKey: await this.accountKey(), backoffMin: 1000, backoffMax: 10_000 });
    const [key, csr] = await acme.crypto.createCsr({ commonName: domains[0], altNames: domains }, await acme.crypto.createPrivateEcdsaKey());
    let cert: string;
    try {
      cert = await client.auto({
        csr,
        email,
        termsOfServiceAgreed: true,
        challengePriority: ['http-01'],
        // the CA checks the challenge itself; a self-check from inside would fail behind NAT or split DNS
        skipChallengeVerification: true,
        challengeCreateFn: async (_authz, challenge, keyAuthorization) => {
          this.challenges.set(challenge.token, keyAuthorization);
        },
        challengeRemoveFn: async (_authz, challenge) => {
          this.challenges.delete(challenge.token);
        },
      });
    } catch (err) {
      throw new AcmeError(`ACME certificate for ${domains.join(', ')} from ${directoryUrl} failed: ${(err as Error).message}`);
    }
    const issued = material(key.toString(), cert);
    if (issued === null) throw new AcmeError(`the ACME CA at ${directoryUrl} returned a certificate that does not parse`);
    writePrivate(this.file('key.pem'), issued.key);
    writePrivate(this.file('cert.pem'), issued.cert);
    this.logger.info({ domains, notAfter: issued.notAfter.toISOString() }, 'ACME certificate issued and stored');
    return issued;
  }

  private schedule(delayMs?: number): void {
    if (this.closed || this.current === null) return;
    const due = renewalTime(this.current.notBefore, this.current.notAfter).getTime() - this.now().getTime();
    const wait = Math.min(MAX_TIMER_MS, Math.max(1000, delayMs ?? due));
    this.timer = setTimeout(() => void this.check(), wait);
    this.timer.unref();
  }

  private async check(): Promise<void> {
    this.timer = null;
    const current = this.current;
    if (this.closed || current === null) return;
    if (this.now() < renewalTime(current.notBefore, current.notAfter)) {
      this.schedule();
      return;
    }
    try {
      const renewed = await this.issue();
      if (this.closed) return;
      this.current = renewed;
      this.retryMs = RETRY_MIN_MS;
      this.opts.onRenewed?.(renewed);
      this.schedule();
    } catch (err) {
      this.logger.error({ err }, `certificate renewal failed; retrying in ${Math.round(this.retryMs / 1000)} s`);
      this.schedule(this.retryMs);
      this.retryMs = Math.min(this.retryMs * 2, RETRY_MAX_MS);
    }
  }

  /** Answers GET /.well-known/acme-challenge/<token>; false when the request is something else. */
  handleChallenge(req: http.IncomingMessage, res: http.ServerResponse): boolean {
    const url = req.url ?? '';
    if (!url.startsWith(CHALLENGE_PREFIX)) return false;
    const keyAuthorization = this.challenges.get(url.slice(CHALLENGE_PREFIX.length).split('?', 1)[0]);
    if (keyAuthorization === undefined) {
      res.writeHead(404, { 'Content-Type': 'text/plain' });
      res.end('Not Found');
    } else {
      res.writeHead(200, { 'Content-Type': 'application/octet-stream', 'Content-Length': Buffer.byteLength(keyAuthorization) });
      res.end(keyAuthorization);
    }
    return true;
  }

  close(): void {
    this.closed = true;
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
  }
}

/** Routes acme-client's own log lines to our logger at debug level. */
export function routeAcmeClientLogs(logger: Logger): void {
  acme.setLogger((message: string) => logger.debug({ component: 'acme' }, message));
}
