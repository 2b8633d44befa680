// Server-rendered pages: escaping and the one page layout every hub page uses.

/** Marks text as already-safe HTML. */
export class Html {
  constructor(readonly value: string) {}
  toString(): string {
    return this.value;
  }
}

export function escapeHtml(s: string): string {
  return s
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

type Part = string | number | Html | null | undefined | false | Part[];

/** Tagged template: interpolated values are escaped unless they are Html. */
export function html(strings: TemplateStringsArray, ...values: Part[]): Html {
  let out = strings[0];
  for (let i = 0; i < values.length; i++) out += render(values[i]) + strings[i + 1];
  return new Html(out);
}

function render(v: Part): string {
  if (v === null || v === undefined || v === false) return '';
  if (Array.isArray(v)) return v.map(render).join('');
  if (v instanceof Html) return v.value;
  return escapeHtml(String(v));
}

export interface LayoutOptions {
  title: string;
  hubPrefix: string;
  user?: { name: string; admin: boolean } | null;
  body: Html;
  /** Show the admin link to native account management. */
  nativeAccounts?: boolean;
  /** Inline script (trusted, from our own code). */
  script?: string;
}

const STYLE = `
:root{--fg:#1f2328;--muted:#59636e;--line:#d1d9e0;--bg:#f6f8fa;--accent:#f37726;--accent-dark:#c85a12;--ok:#1a7f37;--bad:#cf222e}
[hidden]{display:none!important}*{box-sizing:border-box}body{margin:0;font:15px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:var(--fg);background:#fff}
header{display:flex;align-items:center;gap:24px;padding:10px 24px;border-bottom:1px solid var(--line);background:var(--bg)}
header .brand{font-weight:700;font-size:18px;color:var(--fg);text-decoration:none}header .brand span{color:var(--accent)}
header nav{display:flex;gap:16px;flex:1}header nav a{color:var(--fg);text-decoration:none}header nav a:hover{text-decoration:underline}
header .who{color:var(--muted)}main{max-width:760px;margin:40px auto;padding:0 24px}
h1{font-size:24px;margin:0 0 16px}.card{border:1px solid var(--line);border-radius:8px;padding:24px;background:#fff}
label{display:block;font-weight:600;margin:12px 0 4px}input[type=text],input[type=password]{width:100%;padding:8px 10px;border:1px solid var(--line);border-radius:6px;font:inherit}
.btn{display:inline-block;padding:8px 16px;border-radius:6px;border:1px solid var(--line);background:var(--bg);color:var(--fg);font:inherit;cursor:pointer;text-decoration:none}
.btn.primary{background:var(--accent);border-color:var(--accent-dark);color:#fff}.btn.danger{color:var(--bad)}
.btn:disabled{opacity:.6;cursor:default}.actions{display:flex;gap:12px;margin-top:20px;flex-wrap:wrap}
.error{color:var(--bad);background:#ffebe9;border:1px solid #ffcecb;border-radius:6px;padding:10px 12px;margin:12px 0}
.muted{color:var(--muted)}progress{width:100%;height:14px}pre.log{background:#0d1117;color:#e6edf3;padding:12px;border-radius:6px;overflow:auto;max-height:320px;font-size:13px}
ul.events{list-style:none;padding:0;margin:12px 0;color:var(--muted);font-size:14px}ul.events li{padding:2px 0}
table{border-collapse:collapse;width:100%}td,th{text-align:left;padding:6px 8px;border-bottom:1px solid var(--line)}
`;

export function layout(o: LayoutOptions): string {
  const p = o.hubPrefix;
  const nav = o.user
    ? html`<nav><a href="${p}home">Home</a>${o.user.admin && o.nativeAccounts ? html`<a href="${p}authorize">Accounts</a>` : ''}</nav>
<span class="who">${o.user.name}</span><a class="btn" href="${p}logout">Log out</a>`
    : html`<nav></nav>`;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${escapeHtml(o.title)} — nbhub</title><style>${STYLE}</style></head>
<body><header><a class="brand" href="${escapeHtml(p)}">nb<span>hub</span></a>${nav}</header>
<main>${o.body}</main>${o.script ? `<script>${o.script}</script>` : ''}</body></html>`;
}
