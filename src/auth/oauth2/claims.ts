// Reading a value out of user info or auth state by a key or a dotted path, as oauthenticator's
// username_claim and auth_state_groups_key do. A key that itself contains dots (claims such as
// "https://example.org/claims/groups") is tried whole first.

export function valueAt(obj: unknown, path: string): unknown {
  if (obj === null || typeof obj !== 'object') return undefined;
  const record = obj as Record<string, unknown>;
  if (path in record) return record[path];
  let cur: unknown = obj;
  for (const part of path.split('.')) {
    if (cur === null || typeof cur !== 'object' || !(part in (cur as Record<string, unknown>))) return undefined;
    cur = (cur as Record<string, unknown>)[part];
  }
  return cur;
}

/** A user name from a claim: strings as they are, numbers (GitHub ids, …) as text; else null. */
export function nameAt(obj: unknown, path: string): string | null {
  const v = valueAt(obj, path);
  if (typeof v === 'string' && v.trim() !== '') return v;
  if (typeof v === 'number' && Number.isFinite(v)) return String(v);
  return null;
}

/** Group names at a path: a list of strings (others dropped), or one string; null when absent. */
export function groupsAt(obj: unknown, path: string): string[] | null {
  const v = valueAt(obj, path);
  if (typeof v === 'string') return [v];
  if (Array.isArray(v)) return v.filter((g): g is string => typeof g === 'string' && g !== '');
  return null;
}
