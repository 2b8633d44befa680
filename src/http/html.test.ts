import { test } from 'node:test';
import assert from 'node:assert/strict';
import { escapeHtml, html, Html, layout } from './html.ts';

const NASTY = `<script>alert("x")</script>&'`;

test('escapeHtml escapes the five HTML-significant characters', () => {
  assert.equal(escapeHtml(NASTY), '&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&amp;&#39;');
  assert.equal(escapeHtml('plain text / ok'), 'plain text / ok');
  assert.equal(escapeHtml('&amp;'), '&amp;amp;', 'escaping is not idempotent by design: escape once');
});

test('html`` escapes interpolated strings in text and attributes', () => {
  const out = html`<a href="${'/x?a=1&b="2"'}" title='${"it's"}'>${NASTY}</a>`;
  assert.ok(out instanceof Html);
  assert.equal(String(out), `<a href="/x?a=1&amp;b=&quot;2&quot;" title='it&#39;s'>${escapeHtml(NASTY)}</a>`);
});

test('html`` keeps Html values as they are and nests', () => {
  const inner = html`<b>${'<i>'}</b>`;
  assert.equal(html`<p>${inner}</p>`.value, '<p><b>&lt;i&gt;</b></p>');
  assert.equal(html`${new Html('<br>')}`.value, '<br>');
});

test('html`` renders arrays, numbers, and drops null, undefined and false', () => {
  const items = ['<a>', 'b'];
  assert.equal(html`<ul>${items.map((i) => html`<li>${i}</li>`)}</ul>`.value, '<ul><li>&lt;a&gt;</li><li>b</li></ul>');
  assert.equal(html`${['<', ['>', html`&nbsp;`]]}`.value, '&lt;&gt;&nbsp;');
  assert.equal(html`${0}|${42}|${null}|${undefined}|${false}|${''}`.value, '0|42||||');
});

test('layout escapes the title and the user name, and links relative to the hub prefix', () => {
  const page = layout({ title: NASTY, hubPrefix: '/hub/', user: { name: '<bob>', admin: true }, body: html`<p>${'body'}</p>` });
  assert.ok(!page.includes('<script>alert'));
  assert.ok(page.includes(`<title>${escapeHtml(NASTY)} — nbhub</title>`));
  assert.ok(page.includes('&lt;bob&gt;'));
  assert.ok(!page.includes('<bob>'));
  assert.ok(page.includes('href="/hub/logout"'));
  assert.ok(page.includes('<p>body</p>'));
  const anon = layout({ title: 't', hubPrefix: '/jh/hub/', body: html`` });
  assert.ok(!anon.includes('logout'));
  assert.ok(anon.includes('href="/jh/hub/"'));
});
