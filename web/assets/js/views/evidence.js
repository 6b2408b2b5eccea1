// The Evidence page: a pack file (docs/formats.md §12) picked by the user, read with
// FileReader and checked in this browser (evidence.js: checks 1-7, every field decoded
// from the signed bodies), with the ledger's vkey and witness keys the user gives. No
// sign-in, no upload, no network request. The record is shown from the verified entries.

import { fieldLabel, hasLabel, label, t } from '../i18n.js';
import { verifyPack } from '../evidence.js';
import { setWitnessKeys, trustState, witnessKeys } from '../trust.js';
import { h, mono, replace } from '../ui.js';

function valueText(v) {
  if (v === null || v === undefined) return '';
  if (Array.isArray(v)) return v.map(valueText).join(', ');
  if (typeof v === 'object') return Object.entries(v).map(([k, x]) => `${fieldLabel(k)} ${valueText(x)}`).join(', ');
  if (typeof v === 'string' && hasLabel('value', v)) return label('value', v);
  return String(v);
}

// The fields of a verified entry, as shown in the pack (each checked against the body).
function fields(entry) {
  const rows = Object.entries(entry.event).filter(([k]) => k !== 'type' && k !== 'id');
  return h('dl', { class: 'fields' },
           rows.map(([k, v]) => [h('dt', {}, fieldLabel(k)),
                                 h('dd', {}, k === 'target' ? `${t('common.seq')} ${v}`
                                     : k === 'publicKey' ? mono(String(v).replace(/-----[^-]+-----|\s/g, '').slice(0, 24) + '…')
                                     : valueText(v))]));
}

function signerText(s) {
  return t('evidence.signer', { keyid: s.keyId.slice(0, 12), holder: s.holder, role: label('role', s.role),
                                unit: s.unit ? ` · ${s.unit}` : s.person ? ` · ${s.person}` : '', seq: s.registeredAt });
}

function asOfText(asOf) {
  if ('date' in asOf) return t('evidence.asof.date', { date: asOf.date });
  if ('seq' in asOf) return t('evidence.asof.seq', { seq: asOf.seq });
  return t('evidence.asof.now');
}

function verdict(r) {
  const w = r.witnesses;
  return h('div', { class: 'result result-ok', id: 'evidence-verdict', role: 'status', dataset: { state: 'ok' } },
           h('p', {}, '✓ ', t('evidence.ok', { n: r.entries.length, r: r.records.length, k: r.keys.length,
                                                origin: r.origin, size: r.checkpoint.size })),
           h('p', { id: 'evidence-key', dataset: { fromPack: String(r.vkey.fromPack) } },
             r.vkey.fromPack ? t('evidence.key.pack', { id: r.vkey.keyId }) : t('evidence.key.user', { id: r.vkey.keyId }),
             !r.vkey.fromPack && !r.vkey.sameAsPack ? [' ', t('evidence.key.differs')] : null),
           h('p', { id: 'evidence-witnesses-status', dataset: { checked: String(w.checked) } },
             w.checked ? t('evidence.witness.ok', { k: w.cosigned.length, n: w.given, q: w.quorum })
                       : t('evidence.witness.none', { n: w.lines })));
}

function record(r) {
  return h('section', {},
           h('h3', {}, t('evidence.record', { person: r.person }), ' ', h('small', { class: 'note' }, asOfText(r.asOf))),
           r.records.length === 0 ? h('p', {}, t('record.empty'))
               : h('ol', { class: 'timeline', id: 'evidence-record' },
                   r.records.map((x) => h('li', { class: x.withdrawnBy !== null ? 'event withdrawn' : 'event',
                                                  dataset: { seq: String(x.seq), type: x.type } },
                                          h('div', { class: 'event-head' },
                                            h('span', { class: 'date' }, x.date),
                                            h('span', { class: 'type' }, label('eventType', x.type)),
                                            h('span', { class: 'seq-label' }, t('common.seq'), ' ', String(x.seq))),
                                          x.withdrawnBy !== null
                                              ? h('p', { class: 'withdrawn-note' }, t('evidence.withdrawn', { by: x.withdrawnBy, reason: x.withdrawnReason ?? '' }))
                                              : null,
                                          x.erasedBy !== null ? h('p', { class: 'note' }, t('evidence.erased', { by: x.erasedBy })) : null,
                                          fields(x),
                                          h('p', { class: 'signer' }, signerText(x.signer))))));
}

function keys(r) {
  return h('section', {},
           h('h3', {}, t('evidence.keys')),
           h('div', { class: 'table-wrap' },
             h('table', { id: 'evidence-keys' },
               h('thead', {}, h('tr', {}, [t('evidence.key.seq'), t('entry.keyid'), t('entry.holder'), t('entry.role'), t('common.unit'), '']
                   .map((x) => h('th', { scope: 'col' }, x)))),
               h('tbody', {}, r.keys.map((k) => h('tr', { dataset: { seq: String(k.seq) } },
                                                  h('td', {}, String(k.seq)), h('td', {}, mono(k.keyId.slice(0, 16))),
                                                  h('td', {}, k.holder), h('td', {}, label('role', k.role)),
                                                  h('td', {}, k.unit ?? k.person ?? ''),
                                                  h('td', {}, k.revokedAt !== null ? t('evidence.key.revoked', { seq: k.revokedAt }) : '')))))));
}

function checkpoint(r) {
  return h('section', {},
           h('h3', {}, t('evidence.checkpoint')),
           h('dl', { class: 'fields wide' },
             h('dt', {}, t('audit.origin')), h('dd', {}, mono(r.checkpoint.origin)),
             h('dt', {}, t('audit.size')), h('dd', { id: 'evidence-size' }, String(r.checkpoint.size)),
             h('dt', {}, t('audit.root')), h('dd', {}, mono(r.checkpoint.root)),
             h('dt', {}, t('evidence.vkey.used')), h('dd', {}, mono(r.vkey.text))),
           h('details', {}, h('summary', {}, t('audit.note')), h('pre', { class: 'raw' }, r.checkpoint.note)));
}

export async function evidenceView(main) {
  const status = h('div', { id: 'evidence-status' });
  const report = h('div', { id: 'evidence-report' });
  const file = h('input', { type: 'file', id: 'evidence-file', accept: '.html,.htm,.json,text/html,application/json' });
  const vkey = h('input', { type: 'text', id: 'evidence-vkey', spellcheck: false, autocomplete: 'off',
                            placeholder: t('evidence.vkey.placeholder') });
  const witnesses = h('textarea', { id: 'evidence-witnesses', rows: 2, spellcheck: false }, witnessKeys().join('\n'));
  const quorum = h('input', { type: 'text', id: 'evidence-quorum', inputmode: 'numeric', autocomplete: 'off' });
  const pinned = trustState().pin?.pinned;
  let text = null;
  let name = '';
  let run = 0;

  const check = async () => {
    if (text === null) return;
    const mine = ++run;
    replace(status, h('p', { class: 'loading' }, t('evidence.working')));
    replace(report);
    const list = witnesses.value.split('\n').map((x) => x.trim()).filter(Boolean);
    if (list.join('\n') !== witnessKeys().join('\n')) setWitnessKeys(list);
    try {
      const r = await verifyPack(text, { vkey: vkey.value.trim() || undefined, witnesses: list,
                                         quorum: quorum.value.trim() === '' ? undefined : Number(quorum.value.trim()) });
      if (mine !== run) return;
      replace(status, verdict(r));
      replace(report, record(r), keys(r), checkpoint(r), h('p', { class: 'note', id: 'evidence-limits' }, t('evidence.limits')));
    } catch (e) {
      if (mine !== run) return;
      const why = `${name ? `${name}: ` : ''}${e?.message ?? e}`;
      replace(status, h('div', { class: 'result result-fail', id: 'evidence-verdict', role: 'alert',
                                 dataset: { state: 'fail', seq: e?.seq ?? '', check: e?.check ?? '' } },
                        '✗ ', e?.name === 'NotSupportedError' ? t('evidence.unsupported', { why: e.message })
                            : t('evidence.fail', { why })));
    }
  };

  file.addEventListener('change', () => {
    const f = file.files?.[0];
    if (!f) return;
    const reader = new FileReader();
    reader.onload = () => {
      text = String(reader.result);
      name = f.name;
      check();
    };
    reader.onerror = () => replace(status, h('div', { class: 'result result-fail', id: 'evidence-verdict', dataset: { state: 'fail' } },
                                             '✗ ', t('evidence.notpack', { why: String(reader.error?.message ?? reader.error) })));
    reader.readAsText(f, 'utf-8');
  });

  replace(main,
          h('h2', {}, t('evidence.title')),
          h('section', { class: 'evidence-form' },
            h('p', {}, t('evidence.lead')),
            h('label', { class: 'file', for: 'evidence-file' }, h('span', {}, t('evidence.file')), file),
            h('label', { class: 'file', for: 'evidence-vkey' }, h('span', {}, t('evidence.vkey')), vkey),
            pinned ? h('button', { type: 'button', class: 'small', id: 'evidence-use-pinned',
                                   onclick: () => { vkey.value = pinned; } }, t('evidence.vkey.pinned')) : null,
            h('p', { class: 'note' }, t('evidence.vkey.note')),
            h('label', { class: 'file', for: 'evidence-witnesses' }, h('span', {}, t('evidence.witnesses')), witnesses),
            h('p', { class: 'note' }, t('audit.witnesses.lead')),
            h('label', { class: 'file', for: 'evidence-quorum' }, h('span', {}, t('evidence.quorum')), quorum),
            h('button', { type: 'button', id: 'evidence-check', onclick: check }, t('evidence.check'))),
          status,
          report);
}
