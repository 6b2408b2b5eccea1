// Reviewer pages: find a person, their record as a timeline with every entry checked in
// this browser, and one entry with each check spelled out.

import { getJson } from '../api.js';
import { fieldLabel, hasLabel, label, t } from '../i18n.js';
import { verifySeq } from '../trust.js';
import { badge, errorBox, form, go, h, link, loading, mono, replace, seqLink, table } from '../ui.js';

// ---- search --------------------------------------------------------------------------

export async function searchView(main, { query }) {
  const q = query.get('q') ?? '';
  const results = h('div', {});
  replace(main,
          h('h2', {}, t('search.title')),
          form([{ name: 'q', label: t('common.name'), value: q, placeholder: t('search.placeholder'),
                  required: true }],
               t('common.go'), ({ q }) => go(`#/search?q=${encodeURIComponent(q)}`),
               { id: 'search-form' }),
          results);
  if (!q) return;
  replace(results, loading());
  try {
    const found = await getJson(`/v1/persons?q=${encodeURIComponent(q)}`);
    const persons = found.persons ?? [];
    replace(results,
            persons.length === 0 ? h('p', {}, t('search.empty'))
                : table([t('common.person'), t('common.name'), t('common.unit')],
                        persons.map((p) => h('tr', {},
                                             h('td', {}, link(`#/person/${encodeURIComponent(p.person)}`, p.person)),
                                             h('td', {}, link(`#/person/${encodeURIComponent(p.person)}`, p.name)),
                                             h('td', {}, p.unit))),
                        { id: 'search-results' }),
            found.more ? h('p', { class: 'note' }, t('search.more')) : null);
  } catch (e) {
    replace(results, errorBox(e));
  }
}

// ---- an event's fields -------------------------------------------------------------

function valueText(v) {
  if (v === null || v === undefined) return '';
  if (Array.isArray(v)) return v.map(valueText).join(', ');
  if (typeof v === 'object') {
    return Object.entries(v).map(([k, x]) => `${fieldLabel(k)} ${valueText(x)}`).join(', ');
  }
  if (typeof v === 'string' && hasLabel('value', v)) return label('value', v);
  return String(v);
}

// The fields of `event` but its id and type, "label: value" each. A target seq is a link
// to that entry's page, unless `seqLinks` is false (a page that reads no server: the
// Evidence page).
export function eventFields(event, { seqLinks = true } = {}) {
  const rows = Object.entries(event ?? {}).filter(([k]) => k !== 'type' && k !== 'id');
  return h('dl', { class: 'fields' },
           rows.map(([k, val]) => [h('dt', {}, fieldLabel(k)),
                                   h('dd', {}, k === 'target' ? (seqLinks ? seqLink(val) : `${t('common.seq')} ${val}`)
                                       : k === 'publicKey' ? mono(String(val).replace(/-----[^-]+-----|\s/g, '').slice(0, 24) + '…')
                                       : valueText(val))]));
}

// The mark on what only the server vouches for: a signer's holder and role come from
// its keyRegistered entry, and no endpoint names that entry's seq for the page to check;
// a withdrawal is the server's index of a later retraction (its own line checks it).
const serverSays = (key = 'common.server-says') => h('small', { class: 'server-says' }, t(key));

// ---- one person's record -------------------------------------------------------------

// Checks `items` ({ seq, type, el }) with at most 4 requests in flight; `el` gets the badge.
async function checkAll(items, summary) {
  let done = 0;
  let bad = 0;
  let denied = null;
  let size = null;
  const n = items.length;
  const show = () => {
    if (denied) {
      summary.dataset.state = 'denied';
      replace(summary, t('verify.summary.denied', { words: denied }));
    } else if (done < n) {
      summary.dataset.state = 'running';
      replace(summary, t('verify.summary.running', { done, n }));
    } else if (bad === 0) {
      summary.dataset.state = 'ok';
      replace(summary, '✓ ', t('verify.summary.ok', { n, size }));
    } else {
      summary.dataset.state = 'fail';
      replace(summary, '✗ ', t('verify.summary.fail', { bad, n }));
    }
  };
  show();
  const queue = [...items];
  const worker = async () => {
    while (queue.length && !denied) {
      const item = queue.shift();
      try {
        const { result, cp } = await verifySeq(item.seq, item.displayed);
        if (cp) size = cp.size;
        if (!result.ok) bad++;
        const failed = result.checks.filter((c) => !c.ok);
        replace(item.el, result.ok ? badge('ok', '✓ ' + t('verify.ok'))
            : badge('fail', '✗ ' + t('verify.fail')),
                failed.length ? h('span', { class: 'fail-detail' },
                                  failed.map((c) => `${t(`check.${c.id}`)}: ${c.detail}`).join('; ')) : null);
        item.row.dataset.verified = result.ok ? 'ok' : 'fail';
      } catch (e) {
        if (e.status === 403) {
          denied = e.words;
        } else {
          bad++;
          replace(item.el, badge('fail', '✗ ' + t('verify.fail')), errorBox(e));
          item.row.dataset.verified = 'fail';
        }
      }
      done++;
      show();
    }
  };
  await Promise.all([worker(), worker(), worker(), worker()]);
  if (denied) {
    for (const item of items) {
      if (!item.row.dataset.verified) replace(item.el, badge('skipped', t('verify.skipped')));
    }
    show();
  }
}

export async function recordView(main, { parts, query }) {
  const person = parts[1];
  const asOf = query.get('asOf') ?? '';
  const asOfSeq = query.get('asOfSeq') ?? '';
  replace(main, loading());
  const params = asOf ? `?asOf=${encodeURIComponent(asOf)}`
      : asOfSeq ? `?asOfSeq=${encodeURIComponent(asOfSeq)}` : '';
  let record;
  try {
    record = await getJson(`/v1/persons/${encodeURIComponent(person)}/record${params}`);
  } catch (e) {
    replace(main, h('h2', {}, person), errorBox(e));
    return;
  }
  const summary = h('p', { class: 'verify-summary', id: 'verify-summary', role: 'status' });
  const items = [];
  const events = record.events ?? [];
  const timeline = h('ol', { class: 'timeline', id: 'timeline' },
                     events.map((line) => {
                       const status = h('div', { class: 'verify' }, badge('pending', t('verify.pending')));
                       const row = h('li', { class: line.withdrawn ? 'event withdrawn' : 'event',
                                             dataset: { seq: String(line.seq), type: line.type } },
                                     h('div', { class: 'event-head' },
                                       h('span', { class: 'date' }, line.date ?? ''),
                                       h('span', { class: 'type' }, label('eventType', line.type)),
                                       h('span', { class: 'seq-label' }, t('common.seq'), ' ', seqLink(line.seq))),
                                     line.withdrawn
                                         ? h('p', { class: 'withdrawn-note' },
                                             t('record.withdrawn', { by: line.withdrawnBy, reason: line.withdrawnReason ?? '' }),
                                             ' ', seqLink(line.withdrawnBy), ' ', serverSays())
                                         : null,
                                     eventFields(line.event),
                                     h('p', { class: 'signer' }, t('record.signer'), ': ', line.signer ?? '', ' ',
                                       serverSays('record.signer-says')),
                                     status);
                       // What this line shows from the server, to be checked against the signed entry.
                       const displayed = { type: line.type, event: line.event, date: line.date ?? '',
                                           signer: line.signer ?? '' };
                       items.push({ seq: line.seq, displayed, el: status, row });
                       return row;
                     }));
  const cp = record.checkpoint;
  replace(main,
          h('h2', {}, t('record.title', { name: record.name ?? '', person: record.person ?? person })),
          h('p', { class: 'meta' },
            `${t('common.unit')}: ${record.unit ?? ''} · ${t('record.category')}: ${label('value', record.category ?? '')}`),
          form([{ name: 'asOf', label: t('record.asof'), type: 'date', value: asOf },
                { name: 'asOfSeq', label: t('record.asofseq'), value: asOfSeq, inputmode: 'numeric' }],
               t('record.asof.apply'), (vals) => {
                 const q = vals.asOf ? `?asOf=${vals.asOf}` : vals.asOfSeq ? `?asOfSeq=${vals.asOfSeq}` : '';
                 go(`#/person/${encodeURIComponent(person)}${q}`);
               }, { id: 'asof-form' }),
          asOf || asOfSeq
              ? h('p', { class: 'note' }, t('record.asof.showing', { what: asOf || `seq ${asOfSeq}` }), ' ',
                  link(`#/person/${encodeURIComponent(person)}`, t('record.asof.clear')))
              : null,
          summary,
          cp ? h('p', { class: 'note' }, t('record.server-checkpoint',
                                           { size: cp.treeSize, root: String(cp.root ?? '').slice(0, 16) }))
             : null,
          events.length ? timeline : h('p', {}, t('record.empty')));
  await checkAll(items, summary);
}

// ---- one entry -----------------------------------------------------------------------

export async function entryView(main, { parts }) {
  const seq = parts[1];
  const lookup = form([{ name: 'seq', label: t('common.seq'), value: seq ?? '', inputmode: 'numeric',
                         required: true }],
                      t('common.go'), ({ seq }) => go(`#/entry/${encodeURIComponent(seq)}`));
  if (!seq) {
    replace(main, h('h2', {}, t('entry.lookup')), lookup);
    return;
  }
  if (!/^\d{1,15}$/.test(seq)) {
    replace(main, h('h2', {}, t('entry.lookup')), lookup, errorBox(new Error(`${seq}?`)));
    return;
  }
  replace(main, h('h2', {}, t('entry.title', { seq })), loading());
  let answer;
  try {
    answer = await verifySeq(Number(seq));
  } catch (e) {
    replace(main, h('h2', {}, t('entry.title', { seq })), lookup, errorBox(e));
    return;
  }
  const { shown, result } = answer;
  const signer = shown.signer ?? {};
  replace(main,
          h('h2', {}, t('entry.title', { seq })),
          h('p', { class: `verify-summary`, id: 'verify-summary', dataset: { state: result.ok ? 'ok' : 'fail' } },
            result.ok ? '✓ ' : '✗ ', result.ok ? t('verify.ok') : t('verify.fail')),
          shown.withdrawn
              ? h('p', { class: 'withdrawn-note' },
                  t('entry.withdrawn', { by: shown.withdrawnBy ?? '', reason: shown.withdrawnReason ?? '' }), ' ',
                  serverSays())
              : null,
          h('dl', { class: 'fields wide' },
            h('dt', {}, t('entry.event')), h('dd', {}, label('eventType', shown.event?.type ?? '')),
            h('dt', {}, t('entry.recorded')), h('dd', {}, shown.recordedAt ?? ''),
            h('dt', {}, t('entry.holder')), h('dd', {}, signer.holder ?? '', ' ', serverSays()),
            h('dt', {}, t('entry.role')), h('dd', {}, signer.role ? label('role', signer.role) : '', ' ', serverSays()),
            h('dt', {}, t('entry.keyid')), h('dd', {}, mono(shown.keyId ?? ''))),
          h('p', { class: 'note' }, t('entry.signer-note')),
          eventFields(shown.event),
          h('h3', {}, t('entry.checks')),
          h('ul', { class: 'checks', id: 'checks' },
            result.checks.map((c) => h('li', { class: c.ok ? 'ok' : 'fail', dataset: { check: c.id, ok: String(c.ok) } },
                                       c.ok ? '✓ ' : '✗ ', t(`check.${c.id}`),
                                       c.detail ? h('small', {}, ' — ', c.detail) : null))),
          h('p', { class: 'note' }, t('entry.server-opinion', { v: String(shown.verified) })),
          h('details', {}, h('summary', {}, 'JSON'), h('pre', { class: 'raw' }, JSON.stringify(shown, null, 2))),
          h('h3', {}, t('entry.lookup')), lookup);
}
