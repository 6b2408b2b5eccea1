// The script inside an evidence pack page (docs/formats.md §12), opened from disk and
// offline: it checks the pack the page carries (verifyPack, with the pack's own vkey, and
// says so), writes the verdict at the top in both languages, marks each record line it
// checked, and switches the page's language. The exporter inlines it with verify.js,
// event.js, i18n.js and evidence.js as one classic script; it exports nothing.

import { verifyPack } from './evidence.js';
import { tIn } from './i18n.js';

// Both languages at once; the page's CSS shows the one of <html lang>. `vars` may be a
// function of the language.
function both(key, vars) {
  return [['zh', 'zh-CN'], ['en', 'en']].map(([language, tag]) => {
    const span = document.createElement('span');
    span.lang = tag;
    span.textContent = tIn(language, key, typeof vars === 'function' ? vars(language) : vars);
    return span;
  });
}

function say(verdict, state, parts) {
  verdict.className = state;
  verdict.replaceChildren();
  parts.forEach((p, i) => {
    if (i) verdict.append(' ');
    verdict.append(...p);
  });
}

function sameAs(line, x) {
  if (line.dataset.type !== undefined && line.dataset.type !== x.type) return false;
  if (line.dataset.date !== undefined && line.dataset.date !== x.date) return false;
  for (const f of line.querySelectorAll('[data-field][data-value]')) {
    const v = x.event[f.dataset.field];
    if (f.dataset.value !== (typeof v === 'string' ? v : JSON.stringify(v))) return false;
  }
  return true;
}

async function check() {
  const verdict = document.getElementById('verdict');
  if (!verdict) return;
  const lines = [...document.querySelectorAll('[data-seq]')];
  let result;
  try {
    let pack;
    try {
      pack = JSON.parse(document.getElementById('probity-evidence').textContent);
    } catch (e) {
      say(verdict, 'failed', [both('evidence.notpack', { why: e.message })]);
      return;
    }
    result = await verifyPack(pack);
  } catch (e) {
    const unsupported = e?.name === 'NotSupportedError';
    say(verdict, 'failed', [both(unsupported ? 'evidence.unsupported' : 'evidence.fail', { why: e?.message ?? String(e) })]);
    for (const line of lines) {
      if (e?.seq !== null && e?.seq !== undefined && line.dataset.seq === String(e.seq)) line.classList.add('bad');
    }
    return;
  }
  // Each record line shows an entry whose event was checked field by field (check 6); what
  // a line says of it in data-type, data-date or [data-field][data-value] must be that.
  const bySeq = new Map(result.entries.map((x) => [String(x.seq), x]));
  const unbacked = [];
  for (const line of lines) {
    const x = bySeq.get(line.dataset.seq);
    const backed = x && (x.as === 'record' || !line.closest('#record')) && sameAs(line, x);
    line.classList.add(backed ? 'ok' : 'bad');
    if (!backed) unbacked.push(line.dataset.seq);
  }
  const w = result.witnesses;
  const parts = [
    both('evidence.ok', { n: result.entries.length, r: result.records.length, k: result.keys.length,
                          origin: result.origin, size: result.checkpoint.size }),
    both('evidence.key.pack', { id: result.vkey.keyId }),
    w.checked ? both('evidence.witness.ok', { k: w.cosigned.length, n: w.given, q: w.quorum })
              : both('evidence.witness.none', { n: w.lines }),
  ];
  if (unbacked.length) {
    const why = (language) => unbacked.map((seq) => tIn(language, 'evidence.lines.bad', { seq })).join(' ');
    say(verdict, 'failed', [both('evidence.fail', (language) => ({ why: why(language) }))]);
    return;
  }
  say(verdict, 'verified', parts);
}

function start() {
  const toggle = document.getElementById('lang-toggle');
  if (toggle) {
    toggle.addEventListener('click', () => {
      const root = document.documentElement;
      root.lang = root.lang === 'en' ? 'zh-CN' : 'en';
    });
  }
  check();
}

if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start);
else start();
