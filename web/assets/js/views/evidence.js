// The Evidence page: a pack file (docs/formats.md §12) picked by the user, read with
// FileReader and checked in this browser (evidence.js: checks 1-7, every field decoded
// from the signed bodies), with the ledger's vkey and witness keys the user gives. No
// sign-in, no upload, no network request. The record is shown from the verified entries.

import { label, t } from '../i18n.js';
import { failureMessage, verifyPack } from '../evidence.js';
import { pinnedVkey, setWitnessKeys, witnessKeys } from '../trust.js';
import { h, mono, replace } from '../ui.js';
import { eventFields } from './records.js';

function signerText(s) {
  return t('evidence.signer', { keyid: s.keyId.slice(0, 12), holder: s.holder, role: label('role', s.role),
                                unit: s.unit ? ` · ${s.unit}` : s.person ? ` · ${s.person}` : '', seq: s.registeredAt });
}

function asOfText(asOf) {
  if ('date' in asOf) return t('evidence.asof.date', { date: asOf.date });
  if ('seq' in asOf) return t('evidence.asof.seq', { seq: asOf.seq });
  return t('evidence.asof.now');
}

// The verdict; `source` says whose vkey checked the checkpoint: the pack's own (none
// given), the one this browser pinned (trust.js pinnedVkey: this site's ledger's), or
// one the user typed.
function verdict(r, source) {
  const w = r.witnesses;
  return h('div', { class: 'result result-ok', id: 'evidence-verdict', role: 'status', dataset: { state: 'ok' } },
           h('p', {}, '✓ ', t('evidence.ok', { n: r.entries.length, r: r.records.length, k: r.keys.length,
                                                origin: r.origin, size: r.checkpoint.size })),
           h('p', { id: 'evidence-key', dataset: { fromPack: String(r.vkey.fromPack), source } },
             t(`evidence.key.${source}`, { id: r.vkey.keyId }),
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
                                          eventFields(x.event, { seqLinks: false }),
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
  const keepWitnesses = h('input', { type: 'checkbox', id: 'evidence-keep-witnesses' });
  const quorum = h('input', { type: 'text', id: 'evidence-quorum', inputmode: 'numeric', autocomplete: 'off' });
  const pinned = pinnedVkey();
  let text = null;
  let name = '';
  let run = 0;

  const check = async () => {
    if (text === null) return;
    const mine = ++run;
    replace(status, h('p', { class: 'loading' }, t('evidence.working')));
    replace(report);
    // The witness keys typed here are for this check; the browser's own (the audit
    // page's) change only when the user asks.
    const list = witnesses.value.split('\n').map((x) => x.trim()).filter(Boolean);
    if (keepWitnesses.checked && list.join('\n') !== witnessKeys().join('\n')) setWitnessKeys(list);
    const given = vkey.value.trim();
    const source = !given ? 'pack' : given === pinned ? 'pinned' : 'user';
    try {
      const r = await verifyPack(text, { vkey: given || undefined, witnesses: list,
                                         quorum: quorum.value.trim() === '' ? undefined : Number(quorum.value.trim()) });
      if (mine !== run) return;
      replace(status, verdict(r, source));
      replace(report, record(r), keys(r), checkpoint(r), h('p', { class: 'note', id: 'evidence-limits' }, t('evidence.limits')));
    } catch (e) {
      if (mine !== run) return;
      const [key, vars] = failureMessage(e, name);
      replace(status, h('div', { class: 'result result-fail', id: 'evidence-verdict', role: 'alert',
                                 dataset: { state: 'fail', seq: e?.seq ?? '', check: e?.check ?? '' } },
                        '✗ ', t(key, vars)));
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
            h('p', { class: 'note' }, t('evidence.vkey.note')),
            pinned ? [h('button', { type: 'button', class: 'small', id: 'evidence-use-pinned',
                                    onclick: () => { vkey.value = pinned; } }, t('evidence.vkey.pinned')),
                      h('p', { class: 'note', id: 'evidence-pinned-note' }, t('evidence.vkey.pinned.note'))]
                   : null,
            h('label', { class: 'file', for: 'evidence-witnesses' }, h('span', {}, t('evidence.witnesses')), witnesses),
            h('p', { class: 'note' }, t('evidence.witnesses.note')),
            h('label', { class: 'check', for: 'evidence-keep-witnesses' }, keepWitnesses, ' ', t('evidence.witnesses.keep')),
            h('label', { class: 'file', for: 'evidence-quorum' }, h('span', {}, t('evidence.quorum')), quorum),
            h('button', { type: 'button', id: 'evidence-check', onclick: check }, t('evidence.check'))),
          status,
          report);
}
