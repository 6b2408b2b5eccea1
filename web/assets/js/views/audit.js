// The auditor's page: the log's key as pinned, the current checkpoint and each of its
// signature lines (the ledger's verified here, witnesses' when their vkeys are given),
// the consistency proof from the last checkpoint this browser saw, and the access log's
// checkpoint. All public: no key is needed.

import { t } from '../i18n.js';
import { acceptServerKey, accessCheckpoint, currentCheckpoint, lastSeen, setWitnessKeys, witnessKeys } from '../trust.js';
import { badge, errorBox, form, formatTime, go, h, loading, mono, replace, table } from '../ui.js';
import { b64encode, hex } from '../verify.js';

function consistencyText(c) {
  if (!c) return null;
  const state = { first: 'info', same: 'ok', consistent: 'ok', older: 'fail', inconsistent: 'fail' }[c.status];
  const text = {
    first: () => t('audit.cons.first', { size: c.size }),
    same: () => t('audit.cons.same', { size: c.size }),
    consistent: () => t('audit.cons.ok', { old: c.old, new: c.new, n: c.n }),
    older: () => t('audit.cons.older', { old: c.old, new: c.new }),
    inconsistent: () => t('audit.cons.bad', { old: c.old, new: c.new, why: c.why }),
  }[c.status]();
  return h('p', { class: `result result-${state}`, id: 'consistency', dataset: { state: c.status } },
           state === 'ok' ? '✓ ' : state === 'fail' ? '✗ ' : '', text);
}

// The access log's checkpoint (who read what; formats.md §11), verified here.
async function accessSection() {
  let a;
  try {
    a = await accessCheckpoint();
  } catch (e) {
    return h('section', {}, h('h3', {}, t('audit.access')), errorBox(e));
  }
  const c = a.checkpoint;
  const line = a.status === 'none'
      ? h('p', { class: 'note', id: 'access-checkpoint', dataset: { state: 'none' } }, t('audit.access.none'))
      : a.status === 'ok'
          ? h('p', { class: 'result result-ok', id: 'access-checkpoint', dataset: { state: 'ok', growth: a.growth } },
              '✓ ', t('audit.access.ok'), ' ', t(`audit.access.${a.growth}`, { old: a.old }))
          : h('p', { class: 'result result-fail', id: 'access-checkpoint', dataset: { state: 'fail', growth: a.growth ?? '' } },
              '✗ ', a.error ? t('audit.access.bad', { why: a.error })
                            : t(`audit.access.${a.growth}`, { old: a.old, new: c.size, why: a.why }));
  return h('section', {},
           h('h3', {}, t('audit.access')),
           line,
           c ? h('dl', { class: 'fields wide' },
                 h('dt', {}, t('audit.origin')), h('dd', {}, mono(c.origin)),
                 h('dt', {}, t('audit.size')), h('dd', { id: 'access-size' }, String(c.size)),
                 h('dt', {}, t('audit.root')), h('dd', {}, mono(hex(c.root))))
             : null,
           a.note ? h('details', {}, h('summary', {}, t('audit.note')), h('pre', { class: 'raw' }, a.note)) : null);
}

export async function auditView(main) {
  replace(main, h('h2', {}, t('audit.title')), loading());
  const before = lastSeen();
  let cp;
  try {
    cp = await currentCheckpoint({ fresh: true });
  } catch (e) {
    replace(main, h('h2', {}, t('audit.title')), errorBox(e));
    return;
  }
  const pin = cp.pinStatus;
  const pinBox = pin === 'changed'
      ? h('div', { class: 'error loud', role: 'alert', id: 'pin-warning' },
          h('strong', {}, t('audit.pin.changed')),
          h('p', {}, t('audit.pin.pinned'), ': ', mono(cp.pinned)),
          h('p', {}, t('audit.pin.server'), ': ', mono(cp.log.checkpointVkey)),
          h('button', { type: 'button', class: 'danger', onclick: () => {
            if (confirm(t('audit.pin.confirm'))) {
              acceptServerKey(cp.log.checkpointVkey);
              go('#/audit');
            }
          } }, t('audit.pin.accept')))
      : h('p', { class: 'note', id: 'pin-status', dataset: { state: pin } },
          pin === 'new' ? t('audit.pin.new') : t('audit.pin.same'));

  const sigRows = cp.signatures.map((s) => {
    const kind = s.kind === 'log' ? t('audit.sig.log') : s.kind === 'witness' ? t('audit.sig.witness') : t('audit.sig.unknown');
    const result = s.ok === true
        ? [badge('ok', '✓ ' + t('audit.sig.ok')), s.time ? h('small', {}, ' ', t('audit.sig.time', { time: formatTime(new Date(s.time * 1000).toISOString()) })) : null]
        : s.ok === false ? [badge('fail', '✗ ' + t('audit.sig.bad')), s.error ? h('small', {}, ' ', s.error) : null]
        : badge('skipped', t('audit.sig.unchecked'));
    return h('tr', { dataset: { kind: s.kind, ok: String(s.ok) } },
             h('td', {}, s.name), h('td', {}, mono(s.keyId)), h('td', {}, kind), h('td', {}, result));
  });

  const witnessArea = h('textarea', { id: 'witness-keys', rows: 3, spellcheck: false },
                        witnessKeys().join('\n'));
  const c = cp.checkpoint;
  const access = await accessSection();
  replace(main,
          h('h2', {}, t('audit.title')),
          h('section', {},
            h('h3', {}, t('audit.log')),
            h('dl', { class: 'fields wide' },
              h('dt', {}, t('audit.origin')), h('dd', {}, mono(cp.log.origin)),
              h('dt', {}, t('audit.vkey')), h('dd', {}, mono(cp.pinned))),
            h('p', { class: 'note' }, t('audit.vkey.note')),
            pinBox),
          h('section', {},
            h('h3', {}, t('audit.checkpoint')),
            cp.verified
                ? h('p', { class: 'result result-ok', id: 'checkpoint-status', dataset: { state: 'ok' } }, '✓ ', t('audit.verified'))
                : h('p', { class: 'result result-fail', id: 'checkpoint-status', dataset: { state: 'fail' } }, '✗ ', t('audit.unverified', { why: cp.error })),
            c ? h('dl', { class: 'fields wide' },
                  h('dt', {}, t('audit.size')), h('dd', { id: 'checkpoint-size' }, String(c.size)),
                  h('dt', {}, t('audit.root')), h('dd', {}, mono(hex(c.root)), h('br'), mono(b64encode(c.root))))
              : null,
            h('h4', {}, t('audit.sigs')),
            table([t('audit.sig.name'), t('audit.sig.keyid'), t('audit.sig.kind'), t('audit.sig.result')], sigRows,
                  { id: 'signatures' }),
            h('details', {}, h('summary', {}, t('audit.note')), h('pre', { class: 'raw', id: 'note' }, cp.note))),
          h('section', {},
            h('h3', {}, t('audit.consistency')),
            before ? h('p', { class: 'note' }, t('audit.cons.last', { size: before.size, when: formatTime(before.at) })) : null,
            consistencyText(cp.consistency),
            h('button', { type: 'button', id: 'recheck', onclick: () => go('#/audit') }, t('audit.recheck'))),
          access,
          h('section', {},
            h('h3', {}, t('audit.witnesses')),
            h('p', { class: 'note' }, t('audit.witnesses.lead')),
            witnessArea,
            h('button', { type: 'button', onclick: () => {
              setWitnessKeys(witnessArea.value.split('\n').map((x) => x.trim()).filter(Boolean));
              go('#/audit');
            } }, t('audit.witnesses.save'))),
          h('section', {},
            h('h3', {}, t('entry.lookup')),
            form([{ name: 'seq', label: t('common.seq'), inputmode: 'numeric', required: true }],
                 t('common.go'), ({ seq }) => go(`#/entry/${encodeURIComponent(seq)}`))));
}
