// The spawn options form (singleuser.profileList): one radio per profile, a select per profile
// option; the POSTed form becomes the server's user_options ({profile, <option>: <choice>}),
// which the spawner resolves and which the API shows as `user_options`.
import type { ProfileFormModel } from '../../spawner/kubernetes/profiles.ts';
import { html, type Html } from '../html.ts';

export function renderOptionsForm(model: ProfileFormModel, action: string, xsrf: string): Html {
  return html`<form method="post" action="${action}" id="spawn_form">
<input type="hidden" name="_xsrf" value="${xsrf}">
${model.profiles.map(
  (p) => html`<label class="profile" style="display:block;font-weight:normal;border:1px solid var(--line);border-radius:6px;padding:12px;margin:8px 0">
<input type="radio" name="profile" value="${p.slug}"${p.selected ? html` checked` : ''}> <strong>${p.displayName}</strong>
${p.description ? html`<div class="muted">${p.description}</div>` : ''}
${p.options.map(
  (o) => html`<div style="margin-top:8px">${o.displayName}:
<select name="${`profile-option-${p.slug}--${o.name}`}">${o.choices.map(
    (c) => html`<option value="${c.key}"${c.selected ? html` selected` : ''}>${c.displayName}</option>`,
  )}</select>${o.unlisted ? html` <input type="text" name="${`profile-option-${p.slug}--${o.name}--unlisted-choice`}" placeholder="${o.unlisted.displayName}" style="max-width:260px">` : ''}</div>`,
)}</label>`,
)}
<div class="actions"><button class="btn primary" type="submit">Start</button></div></form>`;
}

/** user_options from the POSTed form: only the chosen profile's options are kept. */
export function optionsFromForm(form: Record<string, unknown>): Record<string, unknown> {
  const profile = typeof form.profile === 'string' ? form.profile : '';
  const out: Record<string, unknown> = profile ? { profile } : {};
  const prefix = `profile-option-${profile}--`;
  for (const [k, v] of Object.entries(form)) {
    if (profile && k.startsWith(prefix) && typeof v === 'string' && v !== '') out[k.slice(prefix.length)] = v;
  }
  return out;
}
