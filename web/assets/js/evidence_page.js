// The script inside an evidence pack page (docs/formats.md §12), opened from disk and
// offline: it checks the pack the page carries (verifyPack, with the pack's own vkey, and
// says so), and that the record the page shows is the pack's, line by line (each line
// it checked marked ok or bad), writes the verdict at the top in both languages, and
// switches the page's language. The exporter inlines it with verify.js,
// event.js, i18n.js and evidence.js as one classic script; it exports nothing.

import { MEMBERS } from './event.js';
import { failureMessage, parsePageJson, verifyPack } from './evidence.js';
import { fieldLabelIn, labelIn, tIn } from './i18n.js';

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

// The text of the pack's element. One page, one pack: the page holds one element of id
// probity-evidence, the script of type application/json the exporter writes, which is
// the one parsePackText and probity-audit read from the file; with another element of
// that id, this script and they could be checking different packs.
function packText() {
  const found = document.querySelectorAll('[id="probity-evidence"]');
  if (found.length !== 1 || !found[0].matches('script[type="application/json"]'))
    throw new Error(`the page holds ${found.length} elements of id probity-evidence, not one script of type application/json`);
  return found[0].textContent;
}

// Fields of an event a line does not show (projections/labels.h ShownFields).
const UNSHOWN = ['id', 'type', 'publicKey'];
const signedText = (v) => (typeof v === 'string' ? v : JSON.stringify(v));

// Whether `line` says what record entry `x` (verified) says: its type and business date
// (data-type, data-date), whether a retraction of the pack withdraws it (the class
// withdrawn), and one [data-field] for each field the page shows of the event and none
// else, each with its value as signed (data-value: text as is, other values as minified
// JSON), which a sealed field may leave out (its signed value is a commitment); where it
// does give one, it is the value the pack shows.
function sameAs(line, x) {
  if (line.dataset.type !== x.type || line.dataset.date !== x.date) return false;
  if (line.classList.contains('withdrawn') !== (x.withdrawnBy !== null)) return false;
  const sealed = new Set(x.sealed.map((s) => s.field));
  const shown = Object.keys(x.event).filter((k) => !UNSHOWN.includes(k));
  const seen = new Set();
  for (const f of line.querySelectorAll('[data-field]')) {
    const name = f.dataset.field;
    if (!shown.includes(name) || seen.has(name)) return false;
    seen.add(name);
    if (f.dataset.value === undefined ? !sealed.has(name) : f.dataset.value !== signedText(x.event[name])) return false;
  }
  return seen.size === shown.length;
}

// ---- what a line must read, in each language ------------------------------------------------
// The exporter writes each line's visible text from the same verified entry
// (server/evidence_page.cc, projections/labels.cc ShownFields); these are that text again,
// written here from the pack's checked entry, so that a line whose words were changed while
// its data attributes were kept is caught. Labels are i18n.js's, which labels_test.cc holds
// equal to the exporter's.
const LANGUAGES = [['zh', 'zh-CN'], ['en', 'en']];

// The text of `el` as a reader of `tag` ('zh-CN' or 'en') sees it: elements of the other
// language left out (the page's CSS hides them).
function textIn(el, tag) {
  let out = '';
  for (const n of el.childNodes) {
    if (n.nodeType === 3) out += n.data;
    else if (n.nodeType === 1 && (n.getAttribute('lang') ?? tag) === tag) out += textIn(n, tag);
  }
  return out;
}

// Whether field `name` of event type `type` holds an enum or a list of enums (event.js
// MEMBERS: "name:eB/Enum", "name:el:N/Enum").
function isEnumField(type, name) {
  return (MEMBERS[type] ?? '').split(' ').some((spec) => {
    const [field, kind] = spec.split(':');
    return field === name && kind?.startsWith('e');
  });
}

// `value` as the page shows it in `language` (labels.cc AddValue).
function shownValue(language, value, isEnum) {
  if (typeof value === 'string') return isEnum ? labelIn(language, 'value', value) : value;
  if (typeof value === 'boolean') return value ? (language === 'en' ? 'yes' : '是') : (language === 'en' ? 'no' : '否');
  if (Array.isArray(value)) {
    // ", " before each item once the items before it show something.
    let out = '';
    for (const item of value) out += (out ? ', ' : '') + shownValue(language, item, isEnum);
    return out;
  }
  if (value !== null && typeof value === 'object') {
    return Object.entries(value).map(([k, v]) => `${fieldLabelIn(language, k)} ${shownValue(language, v, false)}`).join(', ');
  }
  return String(value);
}

// Whether the cells of `line` read, in both languages, what verified entry `x` says:
// seq, date, the event type's label, each field as "label: value", and the signer.
function readsAs(line, x) {
  const cell = (name) => line.querySelector(`td.${name}`);
  const [seq, date, type, details, signer] = ['seq', 'date', 'type', 'details', 'signer'].map(cell);
  if (!seq || !date || !type || !details || !signer || line.cells.length !== 5) return false;
  const fields = [...details.querySelectorAll('[data-field]')];
  return LANGUAGES.every(([language, tag]) => {
    if (textIn(seq, tag) !== String(x.seq) || textIn(date, tag) !== x.date) return false;
    if (textIn(type, tag) !== labelIn(language, 'eventType', x.type)) return false;
    const role = labelIn(language, 'role', x.signer.role);
    if (textIn(signer, tag) !== `${x.signer.keyId.slice(0, 12)} ${x.signer.holder} (${role})`) return false;
    // The details cell: its fields (sameAs has matched them to the event's, one each) and
    // the spaces between them, nothing else.
    let rest = textIn(details, tag);
    for (const f of fields) rest = rest.replace(textIn(f, tag), '');
    if (rest.trim() !== '') return false;
    return fields.every((f) => textIn(f, tag) ===
        `${fieldLabelIn(language, f.dataset.field)}: ${shownValue(language, x.event[f.dataset.field], isEnumField(x.type, f.dataset.field))}`);
  });
}

// Whether withdrawal row `row` reads what the retraction of `x` says.
function withdrawalReads(row, x) {
  return textIn(row, 'zh-CN') === `已撤回:序号 ${x.withdrawnBy}(${x.withdrawnReason})` &&
      textIn(row, 'en') === `Withdrawn by seq ${x.withdrawnBy} (${x.withdrawnReason})`;
}

const isWithdrawal = (row) => row?.tagName === 'TR' && row.classList.contains('withdrawal') && row.dataset.seq === undefined;

// The seqs whose lines do not say what the pack's record entries say, in seq order, each
// once: every record entry has exactly one line (#record [data-seq]) and sameAs holds of
// it and its words read what the entry says (readsAs), a withdrawn one followed by its
// withdrawal row; no line is of a seq that is not a record entry. Lines found wrong get `bad`. [[seq, i18n key]].
function unbackedLines(lines, records) {
  const bySeq = new Map(records.map((x) => [String(x.seq), x]));
  const count = new Map();
  for (const line of lines) count.set(line.dataset.seq, (count.get(line.dataset.seq) ?? 0) + 1);
  const out = new Map();
  for (const line of lines) {
    const seq = line.dataset.seq;
    const x = bySeq.get(seq);
    const backed = x !== undefined && count.get(seq) === 1 && sameAs(line, x) && readsAs(line, x) &&
        (x.withdrawnBy === null ||
         (isWithdrawal(line.nextElementSibling) && withdrawalReads(line.nextElementSibling, x)));
    line.classList.add(backed ? 'ok' : 'bad');
    if (!backed) out.set(seq, 'evidence.lines.bad');
  }
  for (const x of records) {
    if (!count.has(String(x.seq))) out.set(String(x.seq), 'evidence.lines.missing');
  }
  return [...out].sort(([a], [b]) => Number(a) - Number(b));
}

// The rows of the record table (#record) that are no line of a record entry, each marked
// `bad`: a row is a line (data-seq: unbackedLines), a header row (in thead, no td), the
// withdrawal row right after the line of a withdrawn entry, or, when the pack has no
// record entry and the page no line, the one row that says so. Returns how many others.
function strayRows(records) {
  const withdrawn = new Set(records.filter((x) => x.withdrawnBy !== null).map((x) => String(x.seq)));
  const rows = [...document.querySelectorAll('#record tr')];
  const body = rows.filter((row) => row.dataset.seq === undefined && !row.closest('thead'));
  let stray = 0;
  for (const row of rows) {
    if (row.dataset.seq !== undefined) continue;
    const before = row.previousElementSibling;
    const fine = row.closest('thead') ? !row.querySelector('td')
        : isWithdrawal(row) ? before?.dataset.seq !== undefined && withdrawn.has(before.dataset.seq)
        : records.length === 0 && rows.every((r) => r.dataset.seq === undefined) && body.length === 1;
    if (!fine) {
      row.classList.add('bad');
      stray++;
    }
  }
  return stray;
}

async function check() {
  const verdict = document.getElementById('verdict');
  if (!verdict) return;
  const lines = [...document.querySelectorAll('#record [data-seq]')];
  let result;
  try {
    let pack;
    try {
      pack = parsePageJson(packText());
    } catch (e) {
      say(verdict, 'failed', [both('evidence.notpack', { why: e.message })]);
      return;
    }
    result = await verifyPack(pack);
  } catch (e) {
    const [key, vars] = failureMessage(e);
    say(verdict, 'failed', [both(key, vars)]);
    for (const line of lines) {
      if (e?.seq !== null && e?.seq !== undefined && line.dataset.seq === String(e.seq)) line.classList.add('bad');
    }
    return;
  }
  // Each record line shows an entry whose event was checked field by field (check 6); what
  // the line says of it in its data attributes must be that.
  const unbacked = unbackedLines(lines, result.records);
  const stray = strayRows(result.records);
  if (unbacked.length || stray) {
    const why = (language) => [...unbacked.map(([seq, key]) => tIn(language, key, { seq })),
                               ...(stray ? [tIn(language, 'evidence.lines.stray', { n: stray })] : [])].join(' ');
    say(verdict, 'failed', [both('evidence.fail', (language) => ({ why: why(language) }))]);
    return;
  }
  const w = result.witnesses;
  say(verdict, 'verified', [
    both('evidence.ok', { n: result.entries.length, r: result.records.length, k: result.keys.length,
                          origin: result.origin, size: result.checkpoint.size }),
    both('evidence.key.pack', { id: result.vkey.keyId }),
    w.checked ? both('evidence.witness.ok', { k: w.cosigned.length, n: w.given, q: w.quorum })
              : both('evidence.witness.none', { n: w.lines }),
  ]);
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
