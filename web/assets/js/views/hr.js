// HR pages (and what other roles may read of them): the year-end eligibility list with
// filters and CSV, leave balances, rosters, the record access log, explanations.

import { getBlob, getJson } from '../api.js';
import { OUTCOMES, fieldLabel, label, t } from '../i18n.js';
import { errorBox, form, formatTime, go, h, labelCells, link, loading, mono, replace, seqLink, table } from '../ui.js';

// "(R13)" in the server's reasons gets the rule's name as a tooltip, in this language.
function reasonsText(text) {
  const out = [];
  let last = 0;
  for (const m of String(text ?? '').matchAll(/R(\d{1,2})\b/g)) {
    out.push(text.slice(last, m.index));
    out.push(h('abbr', { class: 'rule', title: label('rule', m[0]) }, m[0]));
    last = m.index + m[0].length;
  }
  out.push(String(text ?? '').slice(last));
  return out;
}

// ---- eligibility -----------------------------------------------------------------------

export async function eligibilityView(main, { parts, query }) {
  const year = parts[1] ?? String(new Date().getFullYear() - 1);
  const units = query.get('units') === '1';
  const base = `/v1/eligibility/${encodeURIComponent(year)}${units ? '?units=1' : ''}`;
  const results = h('div', {}, loading());
  const csvStatus = h('span', { class: 'note', id: 'csv-status' });
  replace(main,
          h('h2', {}, t('elig.title', { year })),
          form([{ name: 'year', label: t('elig.year'), value: year, inputmode: 'numeric', required: true },
                { name: 'kind', label: t('elig.kind'), value: units ? 'units' : 'persons',
                  options: [['persons', t('elig.persons')], ['units', t('elig.units')]] }],
               t('common.go'), (vals) => go(`#/eligibility/${encodeURIComponent(vals.year)}${vals.kind === 'units' ? '?units=1' : ''}`),
               { id: 'elig-form' }),
          results);
  let lines;
  try {
    lines = await getJson(base);
  } catch (e) {
    replace(results, errorBox(e));
    return;
  }
  if (!Array.isArray(lines)) lines = lines.lines ?? [];
  const unitsSeen = [...new Set(lines.map((l) => l.unit).filter(Boolean))].sort();
  const outcomesSeen = OUTCOMES.filter((o) => lines.some((l) => (l.outcomes ?? []).includes(o)));
  const filters = { unit: query.get('unit') ?? '', outcome: query.get('outcome') ?? '', review: false };
  const count = h('p', { class: 'note', id: 'elig-count' });
  const body = h('tbody', {});
  const headers = units
      ? [t('common.unit'), t('common.name'), t('elig.outcome'), t('elig.review'), '']
      : [t('common.person'), t('common.name'), t('common.unit'), t('elig.category'), t('elig.outcome'), t('elig.review'), ''];

  const render = () => {
    const shown = lines.filter((l) => (!filters.unit || l.unit === filters.unit) &&
                                      (!filters.outcome || (l.outcomes ?? []).includes(filters.outcome)) &&
                                      (!filters.review || l.reviewRequired));
    replace(count, t('elig.count', { shown: shown.length, total: lines.length }));
    replace(body, shown.flatMap((l) => {
      const detail = h('tr', { class: 'detail', hidden: true },
                       h('td', { colSpan: headers.length },
                         h('p', {}, h('strong', {}, t('elig.reasons'), ': '), reasonsText(l.reasons)),
                         h('p', { class: 'events' }, h('strong', {}, t('elig.events'), ': '),
                           (l.events ?? []).flatMap((s, i) => [i ? ', ' : '', seqLink(s)]))));
      const toggle = h('button', { type: 'button', class: 'small', 'aria-expanded': 'false', onclick: () => {
        detail.hidden = !detail.hidden;
        toggle.setAttribute('aria-expanded', String(!detail.hidden));
        toggle.textContent = detail.hidden ? t('common.details') : t('common.hide');
      } }, t('common.details'));
      const outcomes = h('td', {}, (l.outcomes ?? []).map((o) => h('span', { class: `chip outcome-${o}` }, label('outcome', o))));
      const review = h('td', {}, l.reviewRequired ? h('span', { class: 'chip warn' }, t('common.yes')) : t('common.no'));
      const cells = units
          ? [h('td', {}, l.unit), h('td', {}, l.name), outcomes, review, h('td', {}, toggle)]
          : [h('td', {}, link(`#/person/${encodeURIComponent(l.person)}`, l.person)), h('td', {}, l.name),
             h('td', {}, l.unit), h('td', {}, label('value', l.category)), outcomes, review, h('td', {}, toggle)];
      return [h('tr', { dataset: { key: l.person ?? l.unit } }, cells), detail];
    }));
    labelCells(body, headers);
  };

  const filterBar = h('div', { class: 'filters' },
                      h('label', {}, h('span', {}, t('common.unit')),
                        h('select', { id: 'filter-unit', onchange: (e) => { filters.unit = e.target.value; render(); } },
                          h('option', { value: '' }, t('common.all')),
                          unitsSeen.map((u) => h('option', { value: u, selected: u === filters.unit }, u)))),
                      h('label', {}, h('span', {}, t('elig.outcome')),
                        h('select', { id: 'filter-outcome', onchange: (e) => { filters.outcome = e.target.value; render(); } },
                          h('option', { value: '' }, t('common.all')),
                          outcomesSeen.map((o) => h('option', { value: o, selected: o === filters.outcome }, label('outcome', o))))),
                      h('label', { class: 'check' },
                        h('input', { type: 'checkbox', id: 'filter-review', onchange: (e) => { filters.review = e.target.checked; render(); } }),
                        h('span', {}, t('elig.review-only'))),
                      h('button', { type: 'button', id: 'csv-download', onclick: () => downloadCsv(year, units, csvStatus) },
                        t('elig.csv')),
                      csvStatus);
  render();
  replace(results,
          lines.length === 0 ? h('p', {}, t('elig.empty')) : [filterBar, count,
              h('div', { class: 'table-wrap' },
                h('table', { id: 'elig-table', class: 'cards' }, h('thead', {}, h('tr', {}, headers.map((x) => h('th', {}, x)))), body))]);
}

// The CSV is a signed request, so it is fetched here and handed to the browser as a file.
async function downloadCsv(year, units, status) {
  replace(status, t('common.loading'));
  try {
    const q = units ? '?units=1&format=csv' : '?format=csv';
    const blob = await getBlob(`/v1/eligibility/${encodeURIComponent(year)}${q}`);
    const url = URL.createObjectURL(blob);
    const a = h('a', { href: url, download: `eligibility-${year}${units ? '-units' : ''}.csv`, hidden: true });
    document.body.append(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 60000);
    replace(status, '✓');
  } catch (e) {
    replace(status, errorBox(e));
  }
}

// ---- a person's leave --------------------------------------------------------------------

export async function leaveView(main, { parts }) {
  const person = parts[1] ?? '';
  const out = h('div', {});
  replace(main, h('h2', {}, t('leave.title')),
          form([{ name: 'person', label: t('common.person'), value: person, required: true }],
               t('common.go'), ({ person }) => go(`#/leave/${encodeURIComponent(person)}`), { id: 'leave-form' }),
          out);
  if (!person) return;
  replace(out, loading());
  try {
    const l = await getJson(`/v1/persons/${encodeURIComponent(person)}/leave`);
    replace(out, h('dl', { class: 'fields wide', id: 'leave' },
                   h('dt', {}, t('common.person')), h('dd', {}, link(`#/person/${encodeURIComponent(l.person ?? person)}`, l.person ?? person)),
                   h('dt', {}, t('leave.accrued')), h('dd', {}, String(l.accrued ?? '')),
                   h('dt', {}, t('leave.granted')), h('dd', {}, String(l.granted ?? '')),
                   h('dt', {}, t('leave.left')), h('dd', { class: 'big' }, String(l.left ?? '')),
                   h('dt', {}, t('leave.rotation')), h('dd', {}, String(l.rotationGranted ?? ''))));
  } catch (e) {
    replace(out, errorBox(e));
  }
}

// ---- rosters -------------------------------------------------------------------------------

const memberText = (m) => m ? `${m.name ?? ''} (${m.person ?? ''}, ${m.unit ?? ''}) ${m.from ?? ''}–${m.to ?? ''}` : '—';

export async function rosterView(main, { query }) {
  const date = query.get('date') ?? new Date().toISOString().slice(0, 10);
  const city = query.get('city') ?? '';
  const out = h('div', {}, loading());
  replace(main, h('h2', {}, t('roster.title')),
          form([{ name: 'date', label: t('roster.date'), type: 'date', value: date, required: true },
                { name: 'city', label: t('roster.city'), value: city, inputmode: 'numeric' }],
               t('common.go'), (v) => go(`#/roster?date=${encodeURIComponent(v.date)}${v.city ? `&city=${encodeURIComponent(v.city)}` : ''}`),
               { id: 'roster-form' }),
          out);
  try {
    const r = await getJson(`/v1/roster?date=${encodeURIComponent(date)}${city ? `&city=${encodeURIComponent(city)}` : ''}`);
    const cities = r.cities ?? [];
    const memberItem = (m) => h('li', {}, memberText(m), ' · ', label('value', m.position),
                                m.recallDue ? h('span', { class: 'chip warn' }, t('roster.recall')) : null);
    const groupRow = (g) => h('tr', {},
                              h('td', {}, g.group, g.task ? h('div', { class: 'note task' }, g.task) : null),
                              h('td', {}, label('value', g.kind)),
                              h('td', {}, `${g.leadUnitName ?? ''} (${g.leadUnit ?? ''})`),
                              h('td', {}, memberText(g.leader)),
                              h('td', {}, h('ul', { class: 'plain' }, (g.members ?? []).map(memberItem))));
    const citySection = (c) => h('section', { class: 'city', dataset: { city: c.city } },
                                 h('h3', {}, `${c.name ?? ''} (${c.city ?? ''})`,
                                   c.region ? h('small', {}, ' · ', label('value', c.region)) : null),
                                 c.secretary ? h('p', {}, `${t('roster.secretary')}: ${c.secretaryName ?? ''} (${c.secretary})`) : null,
                                 (c.groups ?? []).length === 0
                                     ? h('p', { class: 'note' }, t('roster.nogroups'))
                                     : table([t('roster.group'), t('roster.kind'), t('roster.lead'), t('roster.leader'), t('roster.members')],
                                             c.groups.map(groupRow)));
    replace(out, cities.length === 0 ? h('p', {}, t('roster.empty')) : cities.map(citySection));
  } catch (e) {
    replace(out, errorBox(e));
  }
}

// ---- who read a record -----------------------------------------------------------------------

export async function accessView(main, { parts }) {
  const person = parts[1] ?? '';
  const out = h('div', {});
  replace(main, h('h2', {}, t('access.title')), h('p', { class: 'note' }, t('access.lead')),
          form([{ name: 'person', label: t('common.person'), value: person, required: true }],
               t('common.go'), ({ person }) => go(`#/access/${encodeURIComponent(person)}`), { id: 'access-form' }),
          out);
  if (!person) return;
  replace(out, loading());
  try {
    const r = await getJson(`/v1/access-log?person=${encodeURIComponent(person)}`);
    const list = Array.isArray(r?.accesses) ? r.accesses : null;
    if (!list) {
      replace(out, h('pre', { class: 'raw' }, JSON.stringify(r, null, 2)));
      return;
    }
    const reader = (x) => (x && typeof x === 'object')
        ? [x.holder ?? '', x.role ? ` (${label('role', x.role)})` : '', x.keyId ? h('br') : null,
           x.keyId ? mono(String(x.keyId).slice(0, 16)) : null]
        : String(x ?? '');
    const text = (x) => (x === undefined || x === null) ? '' : typeof x === 'object' ? JSON.stringify(x) : String(x);
    // seq is the access log's own sequence number, not an entry of the ledger.
    replace(out, list.length === 0 ? h('p', {}, t('access.empty'))
        : table(['#', t('access.at'), t('access.reader'), t('access.what'), t('access.query'), t('access.size')],
                list.map((a) => h('tr', {},
                                  h('td', {}, text(a.seq)),
                                  h('td', {}, formatTime(a.at)),
                                  h('td', {}, reader(a.reader)),
                                  h('td', {}, text(a.what)),
                                  h('td', {}, text(a.target ?? a.query)),
                                  h('td', {}, text(a.logSize)))),
                { id: 'access-table' }));
  } catch (e) {
    replace(out, errorBox(e));
  }
}

// ---- explanations (hr, guarantor) ------------------------------------------------------------

export async function explanationsView(main, { query }) {
  const year = query.get('year') ?? '';
  const out = h('div', {}, loading());
  replace(main, h('h2', {}, t('expl.title')),
          form([{ name: 'year', label: t('expl.year'), value: year, inputmode: 'numeric' }],
               t('common.go'), (v) => go(`#/explanations${v.year ? `?year=${encodeURIComponent(v.year)}` : ''}`)),
          out);
  try {
    const r = await getJson(`/v1/explanations${year ? `?year=${encodeURIComponent(year)}` : ''}`);
    const open = Array.isArray(r?.open) ? r.open : [];
    replace(out, open.length === 0 ? h('p', {}, t('common.none'))
        : table([t('common.seq'), fieldLabel('city'), t('common.name'), t('elig.year'), fieldLabel('scope'), fieldLabel('guarantor'), t('common.date')],
                open.map((o) => h('tr', {}, h('td', {}, seqLink(o.seq)), h('td', {}, o.city), h('td', {}, o.name),
                                  h('td', {}, String(o.year)), h('td', {}, label('value', o.scope)),
                                  h('td', {}, o.guarantor), h('td', {}, o.assessedOn)))));
  } catch (e) {
    replace(out, errorBox(e));
  }
}
