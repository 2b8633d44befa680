// Shapes the file may write more loosely than the loaded config has them.
import { getIn, isPlainObject, setIn, type PlainObject } from './dataPath.ts';

export function normalizeShapes(data: PlainObject): void {
  // extraEnv: `JUPYTER_ENABLE_LAB: 1` (z2jh guide) is the string "1" in the process environment.
  for (const section of ['hub', 'singleuser']) {
    const env = getIn(data, [section, 'extraEnv']);
    if (!isPlainObject(env)) continue;
    for (const [name, value] of Object.entries(env)) {
      if (typeof value === 'number' || typeof value === 'boolean') env[name] = String(value);
    }
  }
  // auth.google.hostedDomain: one domain may be written as a string.
  const hosted = getIn(data, ['auth', 'google', 'hostedDomain']);
  if (typeof hosted === 'string') setIn(data, ['auth', 'google', 'hostedDomain'], [hosted]);
}
