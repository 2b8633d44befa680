// Portable column encodings: Date <-> epoch milliseconds, boolean <-> 0/1, JSON <-> text.
import { StoreInputError } from './types.ts';

export function toMillis(d: Date, field: string): number {
  const ms = d instanceof Date ? d.getTime() : Number.NaN;
  if (!Number.isFinite(ms)) throw new StoreInputError(`store: ${field} is not a valid Date`);
  return ms;
}

export function toMillisOrNull(d: Date | null | undefined, field: string): number | null {
  return d == null ? null : toMillis(d, field);
}

export function fromMillis(v: number | string): Date {
  return new Date(Number(v));
}

export function fromMillisOrNull(v: number | string | null): Date | null {
  return v == null ? null : new Date(Number(v));
}

export function toFlag(b: boolean): number {
  return b ? 1 : 0;
}

export function fromFlag(v: number | boolean | string): boolean {
  return v === true || Number(v) === 1;
}

export function toJson(v: unknown): string {
  return JSON.stringify(v);
}

/** Parses a JSON column; `where` names the table and column in the error. */
export function fromJson<T>(text: string, where: string): T {
  try {
    return JSON.parse(text) as T;
  } catch {
    throw new Error(`store: column ${where} holds invalid JSON`);
  }
}

export function fromJsonOrNull<T>(text: string | null, where: string): T | null {
  return text == null ? null : fromJson<T>(text, where);
}
