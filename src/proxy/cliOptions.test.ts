import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseProxyArgs, ProxyCliError, type ProxyCommandConfig } from './cliOptions.ts';

const parse = (argv: string[], env: NodeJS.ProcessEnv = {}) => parseProxyArgs(argv, env) as ProxyCommandConfig;

describe('nbhub proxy options', () => {
  it("uses CHP's defaults", () => {
    const config = parse([]);
    assert.equal(config.ip, undefined);
    assert.equal(config.port, 8000);
    assert.equal(config.apiIp, 'localhost');
    assert.equal(config.apiPort, 8001);
    assert.equal(config.logLevel, 'info');
    assert.equal(config.xForward, true);
    assert.equal(config.includePrefix, true);
    assert.equal(config.prependPath, true);
    assert.equal(config.authToken, null);
    assert.equal(config.errorTarget, null);
  });

  it('reads the command line JupyterHub passes', () => {
    const config = parse(
      ['--ip', '', '--port', '8000', '--api-ip', '127.0.0.1', '--api-port', '8001', '--error-target', 'http://127.0.0.1:8081/hub/error', '--log-level', 'DEBUG', '--host-routing'],
      { CONFIGPROXY_AUTH_TOKEN: 'secret' },
    );
    assert.equal(config.ip, undefined);
    assert.equal(config.apiIp, '127.0.0.1');
    assert.equal(config.errorTarget, 'http://127.0.0.1:8081/hub/error');
    assert.equal(config.logLevel, 'debug');
    assert.equal(config.hostRouting, true);
    assert.equal(config.authToken, 'secret');
  });

  it('defaults the API port to port + 1 and accepts --opt=value', () => {
    assert.equal(parse(['--port=9000']).apiPort, 9001);
    assert.equal(parse(['--ip', '*']).ip, undefined);
  });

  it('reads the negative flags, timeouts and custom headers', () => {
    const config = parse([
      '--no-x-forward', '--no-include-prefix', '--no-prepend-path',
      '--timeout', '1000', '--proxy-timeout', '2000', '--keep-alive-timeout', '3000',
      '--custom-header', 'X-A: 1', '--custom-header', 'X-B:two:parts', '--custom-headers', 'X-C:3, X-D:4',
      '--metrics-port', '9090', '--pid-file', '/tmp/p.pid', '--default-target', 'http://127.0.0.1:8081',
    ]);
    assert.equal(config.xForward, false);
    assert.equal(config.includePrefix, false);
    assert.equal(config.prependPath, false);
    assert.equal(config.timeoutMs, 1000);
    assert.equal(config.proxyTimeoutMs, 2000);
    assert.equal(config.keepAliveTimeoutMs, 3000);
    assert.deepEqual(config.customHeaders, { 'X-A': '1', 'X-B': 'two:parts', 'X-C': '3', 'X-D': '4' });
    assert.equal(config.metricsPort, 9090);
    assert.equal(config.pidFile, '/tmp/p.pid');
    assert.equal(config.defaultTarget, 'http://127.0.0.1:8081');
  });

  it('rejects bad input with a message naming the option', () => {
    const cases: Array<[string[], RegExp]> = [
      [['--port', 'eighty'], /--port must be a whole number/],
      [['--log-level', 'loud'], /--log-level/],
      [['--error-target', 'ftp://x'], /--error-target must be an http\(s\) URL/],
      [['--ssl-key', 'k.pem'], /--ssl-key and --ssl-cert go together/],
      [['--redirect-port', '80'], /--redirect-port .* needs --ssl-key/],
      [['--bogus'], /bogus/],
      [['--storage-backend', 'x'], /--storage-backend is a configurable-http-proxy option nbhub proxy does not support yet/],
      [['--custom-header', 'bad name:1'], /not a header name/],
      [['--acme-email', 'a@b.c'], /--acme-email needs --acme-domain/],
      [['--log-max-bytes', '100'], /--log-max-bytes needs --log-file/],
      [['--log-file', '/tmp/p.log', '--log-max-bytes', '20M'], /--log-max-bytes must be a whole number/],
      [['--acme-domain', 'hub.example.org', '--acme-dir', '/d'], /--acme-email must be an email address/],
      [['--acme-domain', 'hub.example.org', '--acme-email', 'a@b.c'], /--acme-dir is required/],
      [['--acme-domain', 'not a name', '--acme-email', 'a@b.c', '--acme-dir', '/d'], /is not a DNS name/],
      [['--acme-domain', 'h.example.org', '--acme-email', 'a@b.c', '--acme-dir', '/d', '--ssl-key', 'k', '--ssl-cert', 'c'], /exclude each other/],
    ];
    for (const [argv, message] of cases) {
      assert.throws(() => parse(argv), (err: unknown) => {
        assert.ok(err instanceof ProxyCliError, `${argv.join(' ')} throws a ProxyCliError`);
        assert.equal(err.code, 'PROXY_CLI_BAD_OPTION');
        assert.match(err.message, message);
        return true;
      });
    }
  });

  it('reads the nbhub additions: routes and state files, log file, trusted X-Forwarded-Proto, ACME', () => {
    const plain = parse([]);
    assert.equal(plain.logFile, null);
    assert.equal(plain.logMaxBytes, 20 * 1024 * 1024);
    const logging = parse(['--log-file', '/data/proxy.log', '--log-max-bytes', '0']);
    assert.equal(logging.logFile, '/data/proxy.log');
    assert.equal(logging.logMaxBytes, 0);
    assert.equal(plain.routesFile, null);
    assert.equal(plain.stateFile, null);
    assert.equal(plain.trustForwardedProto, false);
    assert.equal(plain.acme, null);
    const config = parse([
      '--routes-file', '/data/routes.json', '--state-file', '/data/state.json', '--trust-x-forwarded-proto',
      '--acme-domain', 'hub.example.org', '--acme-domain', 'www.example.org', '--acme-email', 'admin@example.org', '--acme-dir', '/data/acme',
    ]);
    assert.equal(config.routesFile, '/data/routes.json');
    assert.equal(config.stateFile, '/data/state.json');
    assert.equal(config.trustForwardedProto, true);
    assert.deepEqual(config.acme, {
      domains: ['hub.example.org', 'www.example.org'],
      email: 'admin@example.org',
      directoryUrl: 'https://acme-v02.api.letsencrypt.org/directory',
      dir: '/data/acme',
      httpPort: 80,
    });
  });

  it('answers --help', () => {
    assert.equal(parseProxyArgs(['--help'], {}), 'help');
  });
});
