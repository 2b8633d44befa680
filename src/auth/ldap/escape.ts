// Putting what a person typed into LDAP strings without changing their meaning:
// - a DN attribute value (RFC 4514 §2.4), for {username} in bind DN templates;
// - a filter assertion value (RFC 4515 §3), for {login}, {username}, {userdn}, {uid} in filters;
// - the templates themselves use Python's str.format placeholders ({name}, with {{ and }} for
//   literal braces), as ldapauthenticator's settings are written.
import { Filter } from 'ldapts';

/** Escapes a value for use inside one RDN of a DN string (RFC 4514 §2.4). */
export function escapeDnValue(value: string): string {
  let out = '';
  for (let i = 0; i < value.length; i++) {
    const ch = value[i];
    if (ch === '\u0000') out += '\\00';
    else if ('"+,;<>\\='.includes(ch)) out += `\\${ch}`;
    else if ((ch === ' ' || ch === '#') && i === 0) out += `\\${ch}`;
    else if (ch === ' ' && i === value.length - 1) out += '\\ ';
    else out += ch;
  }
  return out;
}

/** Escapes a value for use as an assertion value in a search filter (RFC 4515 §3): `* ( ) \ NUL`. */
export function escapeFilterValue(value: string): string {
  return Filter.escape(value);
}

/**
 * Fills `{name}` placeholders (Python str.format syntax: `{{` and `}}` are literal braces).
 * Values are inserted as given: the caller escapes them for where they go. A placeholder with
 * no value is left as written (the config check names the ones each setting knows).
 */
export function formatTemplate(template: string, values: Readonly<Record<string, string>>): string {
  return template.replace(/\{\{|\}\}|\{([A-Za-z_][A-Za-z0-9_]*)\}/g, (whole, name: string | undefined) => {
    if (whole === '{{') return '{';
    if (whole === '}}') return '}';
    return name !== undefined && Object.hasOwn(values, name) ? values[name] : whole;
  });
}
