// Small DOM helpers. Text always goes in as text (never as HTML), so nothing the server
// or a record holds can become markup or script.

import { ApiError } from './api.js';
import { KeyFileError } from './httpsig.js';
import { t } from './i18n.js';

// h('div', {class: 'x', onclick: f, dataset: {...}}, child, 'text', [more])
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, val] of Object.entries(attrs ?? {})) {
    if (val === undefined || val === null || val === false) continue;
    if (k.startsWith('on') && typeof val === 'function') el.addEventListener(k.slice(2), val);
    else if (k === 'dataset') Object.assign(el.dataset, val);
    else if (k === 'class') el.className = val;
    else if (k in el && typeof val !== 'string') el[k] = val;
    else el.setAttribute(k, val === true ? '' : val);
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const c of children) {
    if (c === undefined || c === null || c === false) continue;
    if (Array.isArray(c)) append(el, c);
    else el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
}

export function replace(el, ...children) {
  el.replaceChildren();
  append(el, children);
  return el;
}

export const loading = () => h('p', { class: 'loading' }, t('common.loading'));

// The box that shows a failure plainly: 403 as "your role may not read this" with the
// server's words, other statuses likewise, key file problems in the user's terms.
export function errorBox(e) {
  if (e instanceof KeyFileError) {
    return h('div', { class: 'error', role: 'alert', dataset: { kind: 'key' } },
             h('strong', {}, t(`key.${e.message}`)));
  }
  if (e instanceof ApiError) {
    const head = e.status === -1 ? t('err.network')
        : [400, 401, 403, 404].includes(e.status) ? t(`err.${e.status}`)
        : e.status === 0 ? t('err.signin')
        : t('err.other', { status: e.status });
    return h('div', { class: 'error', role: 'alert', dataset: { status: String(e.status) } },
             h('strong', {}, head),
             e.words && e.status > 0
                 ? h('p', {}, t('err.server-says'), ' ', h('q', { class: 'server-words' }, e.words))
                 : null);
  }
  console.error(e);
  return h('div', { class: 'error', role: 'alert' }, h('strong', {}, String(e?.message ?? e)));
}

export function table(headers, rows, attrs = {}) {
  const body = h('tbody', {}, rows);
  labelCells(body, headers);
  return h('div', { class: 'table-wrap' },
           h('table', { class: 'cards', ...attrs },
             h('thead', {}, h('tr', {}, headers.map((x) => h('th', { scope: 'col' }, x)))),
             body));
}

// Each cell names its column (data-label), so a phone can show rows as cards.
export function labelCells(tbody, headers) {
  for (const tr of tbody.rows) {
    [...tr.cells].forEach((td, i) => {
      if (headers[i] && td.colSpan === 1) td.dataset.label = headers[i];
    });
  }
}

export const link = (hash, text, attrs = {}) => h('a', { href: hash, ...attrs }, text);
export const seqLink = (seq) => link(`#/entry/${seq}`, String(seq), { class: 'seq' });
export const mono = (text) => h('code', { class: 'mono' }, text);

export function badge(state, text) {
  return h('span', { class: `badge badge-${state}`, dataset: { state } }, text);
}

// "#/a/b?x=1" -> { parts: ['a','b'], query: URLSearchParams }
export function parseHash() {
  const raw = location.hash.replace(/^#\/?/, '');
  const [pathPart, queryPart = ''] = raw.split('?');
  const parts = pathPart.split('/').filter(Boolean).map(decodeURIComponent);
  return { parts, query: new URLSearchParams(queryPart) };
}

export function go(hash) {
  if (location.hash === hash) window.dispatchEvent(new HashChangeEvent('hashchange'));
  else location.hash = hash;
}

export function formatTime(iso) {
  if (!iso) return '';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return String(iso);
  return d.toISOString().replace('T', ' ').replace(/\.\d+Z$/, ' UTC').replace(/Z$/, ' UTC');
}

// A small form: labelled inputs and a submit button; `onsubmit(values)`.
export function form(fields, submitText, onsubmit, attrs = {}) {
  const inputs = {};
  const el = h('form', { class: 'inline-form', ...attrs, onsubmit: (ev) => {
    ev.preventDefault();
    const values = {};
    for (const [name, input] of Object.entries(inputs))
      values[name] = input.type === 'checkbox' ? input.checked : input.value.trim();
    onsubmit(values);
  } });
  for (const f of fields) {
    const input = f.options
        ? h('select', { name: f.name, id: `f-${f.name}` },
            f.options.map(([value, text]) => h('option', { value, selected: value === f.value }, text)))
        : h('input', { name: f.name, id: `f-${f.name}`, type: f.type ?? 'text', value: f.value ?? '',
                       placeholder: f.placeholder ?? '', checked: f.type === 'checkbox' && f.value,
                       required: f.required, inputmode: f.inputmode, autocomplete: 'off' });
    inputs[f.name] = input;
    el.append(h('label', { for: `f-${f.name}`, class: f.type === 'checkbox' ? 'check' : '' },
                h('span', {}, f.label), input));
  }
  el.append(h('button', { type: 'submit' }, submitText));
  return el;
}
