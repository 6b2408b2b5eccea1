// The page: header, language switch, sign-in, navigation by role, and the router
// (#/search, #/person/ID, #/entry/SEQ, #/eligibility/YEAR, #/leave/ID, #/roster,
// #/access/ID, #/explanations, #/audit, #/evidence). Every view renders into <main>.

import { signIn, signOut, signedIn, who } from './api.js';
import { label, lang, setLang, t } from './i18n.js';
import { onTrustChange, trustState } from './trust.js';
import { errorBox, go, h, parseHash, replace } from './ui.js';
import { auditView } from './views/audit.js';
import { evidenceView } from './views/evidence.js';
import { accessView, eligibilityView, explanationsView, leaveView, rosterView } from './views/hr.js';
import { entryView, recordView, searchView } from './views/records.js';

const READERS = ['reviewer', 'enforcement', 'admin', 'hr'];

// Which pages each role is offered (the server decides what it may read; a page it
// cannot read shows the server's 403).
const PAGES = [
  { id: 'search', hash: '#/search', roles: [...READERS, 'dispatcher'], view: searchView },
  { id: 'eligibility', hash: '#/eligibility', roles: READERS, view: eligibilityView },
  { id: 'leave', hash: '#/leave', roles: ['hr', 'dispatcher'], view: leaveView },
  { id: 'roster', hash: '#/roster', roles: [...READERS, 'partyCommittee', 'groupLeader'], view: rosterView },
  { id: 'access', hash: '#/access', roles: ['hr'], view: accessView },
  { id: 'explanations', hash: '#/explanations', roles: ['hr', 'guarantor'], view: explanationsView },
  { id: 'entry', hash: '#/entry', roles: ['auditor', 'admin', 'reviewer', 'hr'], view: entryView },
  { id: 'audit', hash: '#/audit', roles: null, view: auditView },
  { id: 'evidence', hash: '#/evidence', roles: null, view: evidenceView },
];
const ROUTES = { search: searchView, person: recordView, entry: entryView, eligibility: eligibilityView,
                 leave: leaveView, roster: rosterView, access: accessView, explanations: explanationsView,
                 audit: auditView, evidence: evidenceView };
const PUBLIC = new Set(['audit', 'evidence']);

const el = {
  header: document.getElementById('header'),
  banner: document.getElementById('banner'),
  nav: document.getElementById('nav'),
  main: document.getElementById('main'),
};

function homeFor(role) {
  if (role === 'groupLeader') return `#/person/${encodeURIComponent(who()?.person ?? '')}`;
  const page = PAGES.find((p) => p.roles?.includes(role));
  return page ? page.hash : '#/audit';
}

function renderHeader() {
  document.title = `${t('app.title')} · Probity`;
  const me = who();
  replace(el.header,
          h('div', { class: 'brand' }, h('h1', {}, h('a', { href: '#/' }, t('app.title'))),
            h('span', { class: 'subtitle' }, t('app.subtitle'))),
          h('div', { class: 'actions' },
            me ? h('span', { class: 'who', id: 'who', dataset: { role: me.role } },
                   t('signin.as', { holder: me.holder || me.keyId?.slice(0, 12), role: label('role', me.role) }),
                   me.unit ? ` · ${me.unit}` : '')
               : null,
            me ? h('button', { type: 'button', class: 'link', id: 'sign-out', onclick: () => {
                   signOut();
                   go('#/');
                   renderChrome();
                 } }, t('signin.out'))
               : null,
            h('button', { type: 'button', class: 'lang', id: 'lang-switch', lang: lang() === 'en' ? 'zh-CN' : 'en',
                          onclick: () => {
                            setLang(lang() === 'en' ? 'zh' : 'en');
                            renderChrome();
                            route();
                          } }, t('lang.switch'))));
}

function renderNav() {
  const me = who();
  const current = parseHash().parts[0] ?? '';
  const pages = PAGES.filter((p) => (me ? p.roles === null || p.roles.includes(me.role) : p.roles === null));
  replace(el.nav, me || PUBLIC.has(current)
      ? h('ul', {}, pages.map((p) => h('li', {}, h('a', { href: p.hash, id: `nav-${p.id}`,
                                                            'aria-current': current === p.id || (p.id === 'search' && current === 'person') ? 'page' : null },
                                                        t(`nav.${p.id}`)))))
      : null);
}

function renderBanner(state = trustState()) {
  const warnings = [];
  if (state.pin?.status === 'changed') warnings.push(t('banner.pin'));
  if (['older', 'inconsistent'].includes(state.consistency?.status)) warnings.push(t('banner.cons'));
  replace(el.banner, warnings.map((w) => h('div', { class: 'error loud', role: 'alert' },
                                           h('a', { href: '#/audit' }, w))));
}

function renderChrome() {
  renderHeader();
  renderNav();
  renderBanner();
}

function signInView(main) {
  const status = h('div', { id: 'signin-status', role: 'status' });
  const input = h('input', { type: 'file', id: 'key-file', accept: '.pem,.key,application/x-pem-file,text/plain',
                             onchange: async () => {
                               const file = input.files?.[0];
                               if (!file) return;
                               replace(status, h('p', { class: 'loading' }, t('signin.working')));
                               try {
                                 const me = await signIn(file);
                                 replace(status);
                                 renderChrome();
                                 const { parts } = parseHash();
                                 if (parts.length && !PUBLIC.has(parts[0])) route();
                                 else go(homeFor(me.role));
                               } catch (e) {
                                 replace(status, e.status === 401 ? h('div', {}, h('p', {}, t('key.unknown')), errorBox(e))
                                                                  : errorBox(e));
                               } finally {
                                 input.value = '';
                               }
                             } });
  replace(main,
          h('section', { class: 'signin' },
            h('h2', {}, t('signin.title')),
            h('p', {}, t('signin.lead')),
            h('label', { class: 'file', for: 'key-file' }, h('span', {}, t('signin.file')), input),
            h('p', { class: 'note' }, t('signin.private')),
            status,
            h('p', { class: 'note' }, t('signin.public'), ' ', h('a', { href: '#/audit' }, t('nav.audit'))),
            h('p', { class: 'note' }, t('signin.evidence'), ' ', h('a', { href: '#/evidence', id: 'signin-evidence' }, t('nav.evidence')))));
}

let generation = 0;

async function route() {
  const mine = ++generation;
  const { parts, query } = parseHash();
  renderNav();
  const name = parts[0] ?? '';
  if (!signedIn() && !PUBLIC.has(name)) {
    signInView(el.main);
    return;
  }
  if (!name) {
    go(homeFor(who()?.role));
    return;
  }
  const view = ROUTES[name];
  if (!view) {
    replace(el.main, errorBox(new Error(`#/${parts.join('/')}?`)));
    return;
  }
  // A view that finishes after the user moved on renders into a detached element.
  const target = document.createElement('div');
  target.className = 'view';
  el.main.replaceChildren(target);
  try {
    await view(target, { parts, query });
  } catch (e) {
    if (mine === generation) replace(target, errorBox(e));
  }
}

setLang(lang());
onTrustChange(renderBanner);
window.addEventListener('hashchange', route);
renderChrome();
route();
