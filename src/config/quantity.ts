// Memory and storage sizes as z2jh writes them ('1G', '512M', '2Gi', bytes) → bytes.

const DECIMAL: Record<string, number> = { '': 1, k: 1e3, K: 1e3, M: 1e6, G: 1e9, T: 1e12, P: 1e15, E: 1e18 };
const BINARY: Record<string, number> = { K: 2 ** 10, M: 2 ** 20, G: 2 ** 30, T: 2 ** 40, P: 2 ** 50, E: 2 ** 60 };

/**
 * Bytes in a size: a number of bytes, or a Kubernetes quantity string ('1G' = 10^9,
 * '2Gi' = 2·2^30, '1e9'). The schema has already checked the format; anything else throws.
 */
export function parseSize(value: string | number): number {
  if (typeof value === 'number') return value;
  const m = /^([0-9]+(?:\.[0-9]+)?|\.[0-9]+)(?:([kKMGTPE])(i?)|[eE]([0-9]+))?$/.exec(value.trim());
  if (!m) throw new Error(`not a size: ${JSON.stringify(value)} (expected e.g. 1G, 512M, 2Gi or bytes)`);
  const [, num, unit = '', binary, exponent] = m;
  if (exponent !== undefined) return Number(num) * 10 ** Number(exponent);
  const factor = binary ? BINARY[unit.toUpperCase()] : DECIMAL[unit];
  return Math.round(Number(num) * factor);
}
