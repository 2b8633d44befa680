// Whether a spawn's user options name a configured profile (and listed choices of its options),
// checked when the spawn is requested so a bad choice is the requester's error (400), not a
// failed spawn. The full rules (unlisted-choice patterns, overrides) run in resolveProfile.
import type { ProfileFormModel } from './kubernetes/profiles.ts';

/** A message for the requester, or null when the options are acceptable. */
export function profileChoiceProblem(form: ProfileFormModel, userOptions: Record<string, unknown>): string | null {
  if (!form.profiles.length) return null;
  const wanted = userOptions.profile;
  if (wanted === undefined || wanted === null || wanted === '') return null; // the default profile
  const profile = form.profiles.find((p) => p.slug === wanted);
  if (!profile) {
    return `Unknown profile ${JSON.stringify(wanted)} in the spawn options; choose one of: ${form.profiles.map((p) => JSON.stringify(p.slug)).join(', ')}`;
  }
  for (const opt of profile.options) {
    const unlisted = userOptions[`${opt.name}--unlisted-choice`];
    if (opt.unlisted && typeof unlisted === 'string' && unlisted !== '') continue;
    const key = userOptions[opt.name];
    if (key === undefined || key === null || key === '') continue;
    if (!opt.choices.some((c) => c.key === key)) {
      return `Unknown choice ${JSON.stringify(key)} for ${opt.displayName} in profile ${JSON.stringify(profile.slug)}; choose one of: ${opt.choices.map((c) => JSON.stringify(c.key)).join(', ')}`;
    }
  }
  return null;
}
