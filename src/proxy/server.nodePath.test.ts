// The proxy's HTTP behaviours (server.test.ts) once more with the fast path off, so node's HTTP
// server path, which serves everything the fast path hands off, meets the same expectations.
process.env.NBHUB_PROXY_FAST_PATH = '0';
await import('./server.test.ts');
