// Summary statistics of repeated timings.

export function median(xs: number[]): number {
  if (xs.length === 0) return Number.NaN;
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

export function min(xs: number[]): number {
  return xs.length ? Math.min(...xs) : Number.NaN;
}

export function max(xs: number[]): number {
  return xs.length ? Math.max(...xs) : Number.NaN;
}
