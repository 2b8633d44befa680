// The public listener's flavours: plain HTTP, HTTPS from a key and certificate, and the
// plain-HTTP side of an HTTPS proxy, which answers ACME HTTP-01 challenges and redirects
// everything else to HTTPS.

import http from 'node:http';
import https from 'node:https';
import type { AcmeCertificates } from './acme.ts';

export interface TlsMaterial {
  key: string | Buffer;
  cert: string | Buffer;
  passphrase?: string | null;
}

// requestTimeout 0: uploads through the proxy have no overall deadline (--timeout bounds idleness)
const SERVER_OPTIONS = { requestTimeout: 0 };

export function createPlainServer(): http.Server {
  return http.createServer(SERVER_OPTIONS);
}

export function createTlsServer(material: TlsMaterial): https.Server {
  return https.createServer({
    ...SERVER_OPTIONS,
    key: material.key,
    cert: material.cert,
    ...(material.passphrase ? { passphrase: material.passphrase } : {}),
  });
}

/** 301 to the same host and path on https (port `httpsPort`). */
export function redirectToHttps(httpsPort: () => number): http.RequestListener {
  return (req, res) => {
    const host = req.headers.host;
    if (host === undefined) {
      res.writeHead(400, { 'Content-Type': 'text/plain' });
      res.end('This server requires a Host header');
      return;
    }
    let name = host.startsWith('[') ? host.slice(0, host.indexOf(']') + 1) : host.split(':', 1)[0];
    const port = httpsPort();
    if (port !== 443) name += `:${port}`;
    res.writeHead(301, { Location: `https://${name}${req.url ?? '/'}` });
    res.end();
  };
}

/** The plain-HTTP side of an ACME-certified proxy: challenges first, else the redirect. */
export function createAcmeHttpServer(acme: AcmeCertificates, httpsPort: () => number): http.Server {
  const redirect = redirectToHttps(httpsPort);
  return http.createServer((req, res) => {
    if (!acme.handleChallenge(req, res)) redirect(req, res);
  });
}
