// `nbhub proxy` command line: the configurable-http-proxy options a hub uses, same spellings and
// defaults (bin/configurable-http-proxy). Secrets come from the environment only:
// CONFIGPROXY_AUTH_TOKEN (API token), CONFIGPROXY_SSL_KEY_PASSPHRASE.

import { parseArgs } from 'node:util';
import { DEFAULT_LOG_MAX_BYTES } from './logFile.ts';

export type ProxyLogLevel = 'debug' | 'info' | 'warn' | 'error';

export interface ProxyCommandConfig {
  /** Public interface; undefined = all interfaces. */
  ip: string | undefined;
  port: number;
  apiIp: string;
  apiPort: number;
  defaultTarget: string | null;
  errorTarget: string | null;
  ssl: { keyFile: string; certFile: string; passphrase: string | null } | null;
  logLevel: ProxyLogLevel;
  /** Log to this file instead of stdout (moved aside past logMaxBytes, reopened on SIGHUP). */
  logFile: string | null;
  logMaxBytes: number;
  timeoutMs: number | undefined;
  proxyTimeoutMs: number | undefined;
  keepAliveTimeoutMs: number | undefined;
  xForward: boolean;
  includePrefix: boolean;
  prependPath: boolean;
  redirectPort: number | null;
  redirectTo: number | null;
  customHeaders: Record<string, string>;
  hostRouting: boolean;
  metricsIp: string | undefined;
  metricsPort: number | null;
  pidFile: string | null;
  /** Routes are loaded from here at start and written back (atomically, debounced) on change. */
  routesFile: string | null;
  /** Written once listening: pid, addresses and the API token's hash, for a hub that re-uses this proxy. */
  stateFile: string | null;
  /** Keep the client's X-Forwarded-Proto/-Port (behind a TLS-offloading load balancer). */
  trustForwardedProto: boolean;
  /** Certificates from an ACME CA (Let's Encrypt) instead of --ssl-key/--ssl-cert. */
  acme: AcmeOptions | null;
  authToken: string | null;
}

export interface AcmeOptions {
  domains: string[];
  email: string;
  directoryUrl: string;
  /** Account key, certificate and key are kept here. */
  dir: string;
  /** Plain-HTTP port answering HTTP-01 challenges (and redirecting the rest to HTTPS). */
  httpPort: number;
}

export class ProxyCliError extends Error {
  readonly code = 'PROXY_CLI_BAD_OPTION';
}

export const PROXY_USAGE = `Usage: nbhub proxy [options]

A configurable-http-proxy compatible proxy. The API token comes from CONFIGPROXY_AUTH_TOKEN.

  --ip <ip>                    public interface (default: all)
  --port <n>                   public port (default 8000)
  --api-ip <ip>                API interface (default localhost)
  --api-port <n>               API port (default port+1)
  --default-target <url>       route '/' to this target at start-up
  --error-target <url>         fetch error pages from <url>/<code>?url=<path>
  --ssl-key <file>             TLS key for the public port (passphrase: CONFIGPROXY_SSL_KEY_PASSPHRASE)
  --ssl-cert <file>            TLS certificate for the public port
  --log-level <level>          debug, info, warn or error (default info)
  --timeout <ms>               idle timeout of client connections
  --proxy-timeout <ms>         idle timeout waiting on a target
  --keep-alive-timeout <ms>    keep-alive timeout of client connections (default 5000)
  --no-x-forward               do not add X-Forwarded-* headers
  --no-include-prefix          strip the matched route prefix from forwarded paths
  --no-prepend-path            do not prepend the target's path
  --redirect-port <n>          redirect plain HTTP on this port to HTTPS
  --redirect-to <n>            HTTPS port to redirect to (default: --port)
  --custom-header <k:v>        add a header to proxied requests (repeatable)
  --host-routing               route on host + path
  --metrics-ip <ip>            metrics interface (default: all)
  --metrics-port <n>           serve Prometheus metrics on /metrics
  --pid-file <file>            write the process id to this file

nbhub additions:
  --routes-file <file>         keep routes in this file: loaded at start, rewritten on change
  --log-file <file>            log to <file> instead of stdout; reopened on SIGHUP (logrotate)
  --log-max-bytes <n>          move --log-file to <file>.1 once it is past n bytes
                               (default 20971520; 0 = never)
  --state-file <file>          write pid, addresses and the API token's sha256 here once listening
  --trust-x-forwarded-proto    pass the client's X-Forwarded-Proto/-Port on unchanged
                               (behind a TLS-offloading load balancer)
  --acme-domain <name>         get the HTTPS certificate for <name> over ACME (repeatable)
  --acme-email <address>       ACME account contact (required with --acme-domain)
  --acme-directory <url>       ACME directory (default: Let's Encrypt production)
  --acme-dir <dir>             where the account key and certificates are kept (required)
  --acme-http-port <n>         port answering HTTP-01 challenges, redirecting the rest (default 80)
`;

export const LETSENCRYPT_DIRECTORY = 'https://acme-v02.api.letsencrypt.org/directory';

const UNSUPPORTED = [
  'error-path',
  'storage-backend',
  'ssl-ca',
  'ssl-request-cert',
  'ssl-reject-unauthorized',
  'ssl-protocol',
  'ssl-ciphers',
  'ssl-allow-rc4',
  'ssl-dhparam',
  'api-ssl-key',
  'api-ssl-cert',
  'api-ssl-ca',
  'api-ssl-request-cert',
  'api-ssl-reject-unauthorized',
  'client-ssl-key',
  'client-ssl-cert',
  'client-ssl-ca',
  'client-ssl-request-cert',
  'client-ssl-reject-unauthorized',
  'auto-rewrite',
  'change-origin',
  'protocol-rewrite',
  'insecure',
  'socket',
  'api-socket',
  'statsd-host',
  'statsd-port',
  'statsd-prefix',
];

function integer(name: string, value: string | undefined, min = 0, max = Number.MAX_SAFE_INTEGER): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d+$/.test(value) || Number(value) < min || Number(value) > max) {
    throw new ProxyCliError(`--${name} must be a whole number between ${min} and ${max}, got ${JSON.stringify(value)}`);
  }
  return Number(value);
}

function url(name: string, value: string | undefined): string | null {
  if (value === undefined || value === '') return null;
  try {
    const parsed = new URL(value);
    if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw new Error();
  } catch {
    throw new ProxyCliError(`--${name} must be an http(s) URL, got ${JSON.stringify(value)}`);
  }
  return value;
}

function parseCustomHeaders(single: string[], commaLists: string[]): Record<string, string> {
  const headers: Record<string, string> = {};
  const items = [...single, ...commaLists.flatMap((list) => list.split(','))];
  for (const item of items) {
    const colon = item.indexOf(':');
    const name = (colon === -1 ? item : item.slice(0, colon)).trim();
    const value = colon === -1 ? '' : item.slice(colon + 1).trim();
    if (name === '') continue;
    if (!/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(name)) {
      throw new ProxyCliError(`--custom-header ${JSON.stringify(item)}: ${JSON.stringify(name)} is not a header name`);
    }
    headers[name] = value;
  }
  return headers;
}

/** Parses argv (without the command name). Returns 'help' for --help. */
export function parseProxyArgs(argv: string[], env: NodeJS.ProcessEnv): ProxyCommandConfig | 'help' {
  for (const arg of argv) {
    const name = arg.startsWith('--') ? arg.slice(2).split('=', 1)[0] : null;
    if (name !== null && UNSUPPORTED.includes(name)) {
      throw new ProxyCliError(`--${name} is a configurable-http-proxy option nbhub proxy does not support yet`);
    }
  }
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      strict: true,
      allowPositionals: false,
      options: {
        help: { type: 'boolean', short: 'h' },
        ip: { type: 'string' },
        port: { type: 'string' },
        'api-ip': { type: 'string' },
        'api-port': { type: 'string' },
        'default-target': { type: 'string' },
        'error-target': { type: 'string' },
        'ssl-key': { type: 'string' },
        'ssl-cert': { type: 'string' },
        'log-level': { type: 'string' },
        timeout: { type: 'string' },
        'proxy-timeout': { type: 'string' },
        'keep-alive-timeout': { type: 'string' },
        'no-x-forward': { type: 'boolean' },
        'no-include-prefix': { type: 'boolean' },
        'no-prepend-path': { type: 'boolean' },
        'redirect-port': { type: 'string' },
        'redirect-to': { type: 'string' },
        'custom-header': { type: 'string', multiple: true },
        'custom-headers': { type: 'string', multiple: true },
        'host-routing': { type: 'boolean' },
        'metrics-ip': { type: 'string' },
        'metrics-port': { type: 'string' },
        'pid-file': { type: 'string' },
        'routes-file': { type: 'string' },
        'log-file': { type: 'string' },
        'log-max-bytes': { type: 'string' },
        'state-file': { type: 'string' },
        'trust-x-forwarded-proto': { type: 'boolean' },
        'acme-domain': { type: 'string', multiple: true },
        'acme-email': { type: 'string' },
        'acme-directory': { type: 'string' },
        'acme-dir': { type: 'string' },
        'acme-http-port': { type: 'string' },
      },
    }));
  } catch (err) {
    throw new ProxyCliError(`nbhub proxy: ${(err as Error).message}`);
  }
  if (values.help) return 'help';

  const port = integer('port', values.port, 0, 65535) ?? 8000;
  const logLevel = (values['log-level'] ?? 'info').toLowerCase();
  if (!['debug', 'info', 'warn', 'error'].includes(logLevel)) {
    throw new ProxyCliError(`--log-level must be debug, info, warn or error, got ${JSON.stringify(values['log-level'])}`);
  }
  if ((values['ssl-key'] === undefined) !== (values['ssl-cert'] === undefined)) {
    throw new ProxyCliError('--ssl-key and --ssl-cert go together');
  }
  const ssl =
    values['ssl-key'] !== undefined && values['ssl-cert'] !== undefined
      ? { keyFile: values['ssl-key'], certFile: values['ssl-cert'], passphrase: env.CONFIGPROXY_SSL_KEY_PASSPHRASE || null }
      : null;
  const acme = parseAcme(values);
  if (acme !== null && ssl !== null) throw new ProxyCliError('--acme-domain and --ssl-key/--ssl-cert exclude each other');
  const redirectPort = integer('redirect-port', values['redirect-port'], 1, 65535) ?? null;
  if (redirectPort !== null && ssl === null) {
    throw new ProxyCliError('--redirect-port redirects to HTTPS and needs --ssl-key and --ssl-cert');
  }
  const ip = values.ip === undefined || values.ip === '' || values.ip === '*' ? undefined : values.ip;
  const logFile = values['log-file'] || null;
  if (logFile === null && values['log-max-bytes'] !== undefined) throw new ProxyCliError('--log-max-bytes needs --log-file');
  return {
    ip,
    port,
    apiIp: values['api-ip'] || 'localhost',
    apiPort: integer('api-port', values['api-port'], 0, 65535) ?? (port === 0 ? 0 : port + 1),
    defaultTarget: url('default-target', values['default-target']),
    errorTarget: url('error-target', values['error-target']),
    ssl,
    logLevel: logLevel as ProxyLogLevel,
    logFile,
    logMaxBytes: integer('log-max-bytes', values['log-max-bytes'], 0, Number.MAX_SAFE_INTEGER) ?? DEFAULT_LOG_MAX_BYTES,
    timeoutMs: integer('timeout', values.timeout),
    proxyTimeoutMs: integer('proxy-timeout', values['proxy-timeout']),
    keepAliveTimeoutMs: integer('keep-alive-timeout', values['keep-alive-timeout']),
    xForward: !values['no-x-forward'],
    includePrefix: !values['no-include-prefix'],
    prependPath: !values['no-prepend-path'],
    redirectPort,
    redirectTo: integer('redirect-to', values['redirect-to'], 1, 65535) ?? null,
    customHeaders: parseCustomHeaders(values['custom-header'] ?? [], values['custom-headers'] ?? []),
    hostRouting: values['host-routing'] === true,
    metricsIp: values['metrics-ip'] || undefined,
    metricsPort: integer('metrics-port', values['metrics-port'], 0, 65535) ?? null,
    pidFile: values['pid-file'] || null,
    routesFile: values['routes-file'] || null,
    stateFile: values['state-file'] || null,
    trustForwardedProto: values['trust-x-forwarded-proto'] === true,
    acme,
    authToken: env.CONFIGPROXY_AUTH_TOKEN || null,
  };
}

interface AcmeValues {
  'acme-domain'?: string[];
  'acme-email'?: string;
  'acme-directory'?: string;
  'acme-dir'?: string;
  'acme-http-port'?: string;
}

function parseAcme(values: AcmeValues): AcmeOptions | null {
  const domains = values['acme-domain'] ?? [];
  if (domains.length === 0) {
    for (const name of ['acme-email', 'acme-directory', 'acme-dir', 'acme-http-port'] as const) {
      if (values[name] !== undefined) throw new ProxyCliError(`--${name} needs --acme-domain`);
    }
    return null;
  }
  for (const domain of domains) {
    if (!/^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$/i.test(domain)) {
      throw new ProxyCliError(`--acme-domain ${JSON.stringify(domain)} is not a DNS name`);
    }
  }
  const email = values['acme-email'];
  if (!email || !/^[^@\s]+@[^@\s]+$/.test(email)) throw new ProxyCliError('--acme-email must be an email address (the ACME account contact)');
  const dir = values['acme-dir'];
  if (!dir) throw new ProxyCliError('--acme-dir is required with --acme-domain (certificates are kept there)');
  return {
    domains,
    email,
    directoryUrl: url('acme-directory', values['acme-directory']) ?? LETSENCRYPT_DIRECTORY,
    dir,
    httpPort: integer('acme-http-port', values['acme-http-port'], 1, 65535) ?? 80,
  };
}
