// Checks an evidence pack (docs/formats.md §12, "Checking a pack", checks 1-7): the
// signed checkpoint, every entry's bytes, body, inclusion proof and signature, each
// signer's authority down to the genesis entry, that each record entry is about the
// person, that every displayed field is the signed one, and every disclosed sealed
// value. Pure: no DOM, no network; Node runs it (tests/web/evidence_test.mjs), the web
// interface's Evidence page and the pack's own page (evidence_page.js) use it.
//
// This module is also inlined into the pack page by the exporter's bundler
// (server/evidence_page.cc BundleModules): imports only as single-line relative
// `import { … } from './x.js';` (or `import * as x from './x.js';`), exports only as
// `export function`, `export async function`, `export class`, `export const` or
// `export let` at the start of a line.

import { VerifyError, EVENT_TYPES, b64decode, concat, ed25519Verify, equalBytes, fromHex, hex, leafHash, parseEntry, parseVkey, sha256, signedMessage, utf8, verifyCheckpoint, verifyInclusion } from './verify.js';
import { ENUMS, MEMBERS, WITHHELD, businessDate, compareEvent, decodeEvent, opensCommitment, recordedAtText } from './event.js';

const PACK_FORMAT = 'probity-evidence/v1';

// The checks of formats.md §12, by number.
const CHECKS = { 1: 'format', 2: 'checkpoint', 3: 'entry', 4: 'signer', 5: 'person', 6: 'event', 7: 'sealed' };

// A failed check: the message names the seq (when an entry failed) and the check;
// `seq` (Number or null), `check` (1-7) and `reason` are also properties.
function refuse(check, seq, reason) {
  const where = seq === null || seq === undefined ? '' : `seq ${seq}: `;
  const e = new VerifyError(`${where}check ${check} (${CHECKS[check]}): ${reason}`);
  e.check = check;
  e.seq = seq ?? null;
  e.reason = reason;
  throw e;
}

// What a check that threw says to the user: [i18n key, its words]. A browser whose
// WebCrypto has no Ed25519 (NotSupportedError) cannot check; that is not a pack that
// failed. `file`, when given, names the file checked. The pack's page and the web
// interface's Evidence page both say it so.
export function failureMessage(e, file = '') {
  const why = e?.message ?? String(e);
  if (e?.name === 'NotSupportedError') return ['evidence.unsupported', { why }];
  return ['evidence.fail', { why: file ? `${file}: ${why}` : why }];
}

// ---- the file: an HTML page holding the JSON, or the JSON alone ------------------------

// Spelled in pieces: this file is inlined into the pack's own script element, where
// the end tag, or a comment opener before a script tag, would end it early or late.
const OPEN_TAG = '<' + 'script type="application/json" id="probity-evidence">';
const END_TAG = '<' + '/script>';

function parseJson(json) {
  try {
    return JSON.parse(json);
  } catch (e) {
    return refuse(1, null, `the JSON does not parse: ${e.message}`);
  }
}

// The pack held by a page's evidence element, `json` being the element's text: the
// exporter writes every "<" in it as \u003c, and a raw one (a comment opener, then a
// script tag) could make a browser end the element elsewhere than a reading of the file's
// text does, so it is refused. Throws VerifyError (check 1). parsePackText reads a page
// by it, and so does the page's own script (evidence_page.js) from its element.
export function parsePageJson(json) {
  if (typeof json !== 'string') refuse(1, null, 'the evidence element holds no text');
  if (json.includes('<')) refuse(1, null, 'the JSON in the page holds a raw "<" (the exporter writes \\u003c)');
  return parseJson(json);
}

// The pack in `text` (a file's contents): a document whose first non-blank character is
// "{" is the JSON itself; otherwise a page holding OPEN_TAG once, the JSON being the exact
// text between it and the next end tag of a script element (parsePageJson). Throws
// VerifyError (check 1) for anything else.
export function parsePackText(text) {
  if (typeof text !== 'string') refuse(1, null, 'the file is not text');
  if (/^[ \t\r\n]*\{/.test(text)) return parseJson(text);
  const open = text.indexOf(OPEN_TAG);
  if (open < 0) refuse(1, null, `neither JSON nor a page holding ${OPEN_TAG}`);
  // One page, one pack: a second element could be the one a browser reads.
  if (text.indexOf(OPEN_TAG, open + 1) >= 0) refuse(1, null, `the page holds ${OPEN_TAG} more than once`);
  const start = open + OPEN_TAG.length;
  const end = text.indexOf(END_TAG, start);
  if (end < 0) refuse(1, null, 'the evidence element has no end tag');
  return parsePageJson(text.slice(start, end));
}

// ---- check 1: the members and their types --------------------------------------------

const MEMBERS_TOP = ['format', 'origin', 'vkey', 'person', 'asOf', 'checkpoint', 'witnesses', 'entries'];
const MEMBERS_ENTRY = ['seq', 'as', 'entry', 'proof', 'event', 'sealed'];
const AS = ['record', 'key', 'revocation'];
const isObject = (x) => x !== null && typeof x === 'object' && !Array.isArray(x);
const isText = (x) => typeof x === 'string';
const isSeq = (x) => Number.isSafeInteger(x) && x >= 0;
const HEX32 = /^[0-9a-f]{64}$/;

function isDate(t) {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(t ?? '');
  if (!m) return false;
  const [y, mo, d] = [+m[1], +m[2], +m[3]];
  if (y < 1900 || mo < 1 || mo > 12 || d < 1) return false;
  const leap = (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
  return d <= [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][mo - 1];
}

function onlyKeys(obj, allowed, what, seq = null) {
  for (const k of Object.keys(obj)) {
    if (!allowed.includes(k)) refuse(1, seq, `${what} has a member "${k}" the format does not have`);
  }
}

function checkShape(pack) {
  if (!isObject(pack)) refuse(1, null, 'the pack is not a JSON object');
  onlyKeys(pack, MEMBERS_TOP, 'the pack');
  for (const k of MEMBERS_TOP) {
    if (!(k in pack)) refuse(1, null, `the pack has no "${k}"`);
  }
  if (pack.format !== PACK_FORMAT) refuse(1, null, `the format is ${JSON.stringify(pack.format)}, not ${PACK_FORMAT}`);
  for (const k of ['origin', 'vkey', 'person', 'checkpoint']) {
    if (!isText(pack[k]) || pack[k] === '') refuse(1, null, `"${k}" is not text`);
  }
  const asOf = pack.asOf;
  if (!isObject(asOf)) refuse(1, null, '"asOf" is not an object');
  const keys = Object.keys(asOf);
  if (keys.length > 1 || (keys.length === 1 && !['date', 'seq'].includes(keys[0])))
    refuse(1, null, '"asOf" is not {}, {"date": …} or {"seq": …}');
  if ('date' in asOf && !isDate(asOf.date)) refuse(1, null, '"asOf.date" is not a date YYYY-MM-DD');
  if ('seq' in asOf && !isSeq(asOf.seq)) refuse(1, null, '"asOf.seq" is not a seq');
  if (!Array.isArray(pack.witnesses) || !pack.witnesses.every(isText)) refuse(1, null, '"witnesses" is not a list of text');
  if (!Array.isArray(pack.entries)) refuse(1, null, '"entries" is not a list');
  let last = -1;
  pack.entries.forEach((e, i) => {
    if (!isObject(e)) refuse(1, null, `entries[${i}] is not an object`);
    const seq = isSeq(e.seq) ? e.seq : null;
    if (seq === null) refuse(1, null, `entries[${i}] has no seq`);
    onlyKeys(e, MEMBERS_ENTRY, 'the entry', seq);
    if (seq <= last) refuse(1, seq, `the entries are not in increasing seq order (after seq ${last})`);
    last = seq;
    if (!AS.includes(e.as)) refuse(1, seq, `"as" is ${JSON.stringify(e.as)}, not record, key or revocation`);
    if (!isText(e.entry)) refuse(1, seq, '"entry" is not base64 text');
    if (!Array.isArray(e.proof) || !e.proof.every((p) => isText(p) && HEX32.test(p)))
      refuse(1, seq, '"proof" is not a list of 32-byte hex hashes');
    if (!isObject(e.event)) refuse(1, seq, '"event" is not an object');
    if ('sealed' in e) {
      if (!Array.isArray(e.sealed) || e.sealed.length === 0) refuse(1, seq, '"sealed" is not a non-empty list');
      for (const s of e.sealed) {
        const ok = isObject(s) && isText(s.field) &&
            ((Object.keys(s).length === 3 && isText(s.salt) && HEX32.test(s.salt) && isText(s.value)) ||
             (Object.keys(s).length === 2 && s.erased === true));
        if (!ok) refuse(1, seq, '"sealed" holds an item that is neither {field, salt, value} nor {field, erased: true}');
      }
    }
  });
}

// ---- canonical v2 Event: the body must re-encode to itself (formats.md §2, §10) --------
//
// By event.js's layouts (MEMBERS, ENUMS: formats.md §1, by which decodeEvent reads the
// body), the encoder below writes the canonical bytes of a decoded event, which must be
// the body's own, so that nothing in the body (an unknown field, a section larger than the
// schema's, a stray bit, a non-canonical placement) escapes the decoder.
// tests/web/evidence_test.mjs re-encodes every vector of tests/web/event_vectors.json.

// ledger/event.cc: free text may hold tab and newline; every other text is an identifier
// or a code, without bidirectional controls or zero-width characters.
const FREE_TEXT = new Set(['name', 'summary', 'reason', 'holder', 'task', 'note', 'period', 'publicKey', 'principal']);
const DATE_FIELDS = new Set(['date', 'from', 'to', 'until', 'holidays', 'workdays']);
const MAX_SEQ = 999999999999999;

function textProblem(text, name) {
  if (text === '') return 'is empty';
  for (const ch of text) {
    const cp = ch.codePointAt(0);
    const control = (cp < 0x20 && !(FREE_TEXT.has(name) && (cp === 9 || cp === 10))) || (cp >= 0x7f && cp < 0xa0);
    if (control) return 'holds a control character';
    if (!FREE_TEXT.has(name) && (cp === 0x061c || (cp >= 0x200b && cp <= 0x200f) || (cp >= 0x202a && cp <= 0x202e) ||
        (cp >= 0x2060 && cp <= 0x2064) || (cp >= 0x2066 && cp <= 0x2069) || cp === 0xfeff))
      return 'holds a bidirectional-control or zero-width character';
  }
  if (DATE_FIELDS.has(name) && !isDate(text)) return `is not a calendar date YYYY-MM-DD: '${text}'`;
  return null;
}

// A node of the message to write: { struct: { data: Uint8Array, ptrs: [node|null] } },
// { bytes: Uint8Array } (element size 2), { u16: [n] } (size 3), { list: [node] } (size 6).
function structNode(dataWords, ptrCount) {
  return { struct: { data: new Uint8Array(dataWords * 8), ptrs: new Array(ptrCount).fill(null) } };
}
const textNode = (text) => ({ bytes: concat(utf8(text), Uint8Array.of(0)) });

function setBits(data, bit, width, value) {
  let v = BigInt(value);
  for (let i = 0; i < width; i++, v >>= 1n) {
    if (v & 1n) data[(bit + i) >> 3] |= 1 << ((bit + i) & 7);
  }
  if (v !== 0n) throw new VerifyError(`a value does not fit in ${width} bits`);
}

// The member struct of `event` (decoded), checking each value as ledger/event.cc's JSON
// parser would; throws VerifyError naming the field.
function memberNode(type, event) {
  const specs = MEMBERS[type].split(' ').map((s) => {
    const optional = s.endsWith('?');
    const [name, kind, arg] = (optional ? s.slice(0, -1) : s).split(':');
    return { name, kind, arg, optional };
  });
  let bits = 0;
  let ptrs = 0;
  for (const { kind, arg } of specs) {
    let m;
    if ((m = /^t(\d)$/.exec(kind))) ptrs = Math.max(ptrs, +m[1] + 1);
    else if ((m = /^e(\d+)\//.exec(kind))) bits = Math.max(bits, +m[1] + 16);
    else if ((m = /^u(\d+)@(\d+)$/.exec(kind))) bits = Math.max(bits, +m[2] + +m[1]);
    else if ((m = /^b@(\d+)$/.exec(kind))) bits = Math.max(bits, +m[1] + 1);
    else ptrs = Math.max(ptrs, parseInt(arg, 10) + 1);
  }
  const node = structNode(Math.ceil(bits / 64), ptrs);
  const { data, ptrs: out } = node.struct;
  const bad = (name, why) => {
    throw new VerifyError(`field '${name}' ${why}`);
  };
  const text = (name, value) => {
    if (typeof value !== 'string') bad(name, 'is not text');
    const problem = textProblem(value, name);
    if (problem) bad(name, problem);
    return textNode(value);
  };
  for (const { name, kind, arg, optional } of specs) {
    const value = event[name];
    let m;
    if (value === undefined) {
      if (optional) continue;
      bad(name, 'is missing');
    }
    if ((m = /^t(\d)$/.exec(kind))) {
      out[+m[1]] = text(name, value);
    } else if ((m = /^e(\d+)\/(\w+)$/.exec(kind))) {
      const n = ENUMS[m[2]].indexOf(value);
      if (n < 0) bad(name, `holds ${JSON.stringify(value)}, not a ${m[2]}`);
      setBits(data, +m[1], 16, n);
    } else if ((m = /^u(\d+)@(\d+)$/.exec(kind))) {
      const n = typeof value === 'string' && /^\d+$/.test(value) ? BigInt(value)
          : Number.isSafeInteger(value) && value >= 0 ? BigInt(value) : bad(name, 'is not a whole number');
      if (+m[1] === 64 && n > BigInt(MAX_SEQ)) bad(name, `is larger than ${MAX_SEQ}`);
      setBits(data, +m[2], +m[1], n);
    } else if ((m = /^b@(\d+)$/.exec(kind))) {
      if (typeof value !== 'boolean') bad(name, 'is not true or false');
      setBits(data, +m[1], 1, value ? 1 : 0);
    } else if (kind === 'subject') {
      const which = isObject(value) ? Object.keys(value) : [];
      if (which.length !== 1 || !['person', 'unit'].includes(which[0])) bad(name, 'is not {person} or {unit}');
      const sub = structNode(1, 1);
      setBits(sub.struct.data, 0, 16, which[0] === 'person' ? 0 : 1);
      sub.struct.ptrs[0] = text(which[0], value[which[0]]);
      out[+arg] = sub;
    } else if (kind === 'sealed') {
      if (!isObject(value) || Object.keys(value).length !== 1 || !HEX32.test(value.commitment ?? ''))
        bad(name, 'is not a 32-byte commitment');
      const sub = structNode(0, 1);
      sub.struct.ptrs[0] = { bytes: fromHex(value.commitment) };
      out[+arg] = sub;
    } else if (kind === 'tl') {
      if (!Array.isArray(value)) bad(name, 'is not a list');
      out[+arg] = { list: value.map((x) => text(name, x)) };
    } else if (kind === 'el') {
      const [n, e] = arg.split('/');
      if (!Array.isArray(value)) bad(name, 'is not a list');
      out[+n] = { u16: value.map((x) => {
        const i = ENUMS[e].indexOf(x);
        return i < 0 ? bad(name, `holds ${JSON.stringify(x)}, not a ${e}`) : i;
      }) };
    }
  }
  return node;
}

// The canonical bytes (formats.md §1) of the message whose root is `root`: one segment,
// pre-order placement, sections truncated, zero padding.
function canonicalBytes(root) {
  let buf = new Uint8Array(512);
  let words = 0;
  const alloc = (n) => {
    const at = words;
    words += n;
    while (words * 8 > buf.length) {
      const bigger = new Uint8Array(buf.length * 2);
      bigger.set(buf);
      buf = bigger;
    }
    return at;
  };
  const view = () => new DataView(buf.buffer);
  const pointer = (word, target, kind, hi) => {
    const v = view();
    v.setUint32(word * 8, (((target - word - 1) << 2) | kind) >>> 0, true);
    v.setUint32(word * 8 + 4, hi >>> 0, true);
  };
  const write = (node, word) => {
    if (!node) return;
    if (node.struct) {
      const { data, ptrs } = node.struct;
      let dw = data.length / 8;
      while (dw > 0 && data.subarray((dw - 1) * 8, dw * 8).every((b) => b === 0)) dw--;
      let np = ptrs.length;
      while (np > 0 && !ptrs[np - 1]) np--;
      if (dw === 0 && np === 0) {
        view().setUint32(word * 8, 0xfffffffc, true);  // an empty struct: offset -1
        return;
      }
      const at = alloc(dw + np);
      buf.set(data.subarray(0, dw * 8), at * 8);
      pointer(word, at, 0, dw | (np << 16));
      for (let i = 0; i < np; i++) write(ptrs[i], at + dw + i);
    } else if (node.bytes) {
      const at = alloc(Math.ceil(node.bytes.length / 8));
      buf.set(node.bytes, at * 8);
      pointer(word, at, 1, 2 + node.bytes.length * 8);
    } else if (node.u16) {
      const at = alloc(Math.ceil((node.u16.length * 2) / 8));
      node.u16.forEach((n, i) => view().setUint16(at * 8 + 2 * i, n, true));
      pointer(word, at, 1, 3 + node.u16.length * 8);
    } else {
      const at = alloc(node.list.length);
      pointer(word, at, 1, 6 + node.list.length * 8);
      node.list.forEach((item, i) => write(item, at + i));
    }
  };
  alloc(1);
  write(root, 0);
  return buf.slice(0, words * 8);
}

const ID = /^[A-Za-z0-9._:-]{1,64}$/;

// The canonical body (formats.md §1-§2) of `event`, in the shape decodeEvent returns
// (the body's JSON), its values checked as ledger/event.cc's parser checks them; an id is
// required. Throws VerifyError naming what is wrong.
export function encodeEvent(event) {
  if (!isObject(event) || !MEMBERS[event.type]) throw new VerifyError(`no event type ${JSON.stringify(event?.type)}`);
  if (!('id' in event)) throw new VerifyError('the event has no id');
  if (typeof event.id !== 'string' || !ID.test(event.id))
    throw new VerifyError(`the event id ${JSON.stringify(event.id)} is not 1 to 64 of A-Z a-z 0-9 . _ : -`);
  const root = structNode(1, 2);
  setBits(root.struct.data, 0, 16, EVENT_TYPES.indexOf(event.type));
  root.struct.ptrs[0] = textNode(event.id);
  root.struct.ptrs[1] = memberNode(event.type, event);
  return canonicalBytes(root);
}

// The event in `body`, decoded (event.js) and checked to be a canonical v2 Event with an
// id: what EventCodec::CheckBody requires, that the body re-encodes to itself. Throws
// VerifyError saying why not.
export function decodeCanonicalEvent(body) {
  const event = decodeEvent(body);
  if (!equalBytes(encodeEvent(event), body))
    throw new VerifyError('the body is not the canonical encoding of its own fields (it does not re-encode to itself)');
  return event;
}

// ---- keys ---------------------------------------------------------------------------------

const SPKI_ED25519 = '302a300506032b6570032100';

// The raw 32-byte key of an Ed25519 SubjectPublicKeyInfo PEM (formats.md §3).
function rawKeyFromPem(pem) {
  const lines = pem.trim().split(/\r?\n/).map((l) => l.trim());
  if (lines.length < 3 || lines[0] !== '-----BEGIN PUBLIC KEY-----' || lines[lines.length - 1] !== '-----END PUBLIC KEY-----')
    throw new VerifyError('the publicKey is not a PUBLIC KEY PEM');
  const der = b64decode(lines.slice(1, -1).join(''));
  if (der.length !== 44 || hex(der.subarray(0, 12)) !== SPKI_ED25519)
    throw new VerifyError('the publicKey is not an Ed25519 key');
  return der.subarray(12);
}

// The field of a record entry's event that files it under a person (fold.cc Subjects).
const PERSON_FIELD = {
  personRegistered: (e) => e.person, trainingCompleted: (e) => e.person,
  restrictionRecorded: (e) => e.person, restrictionLifted: (e) => e.person,
  assignmentMade: (e) => e.person, leaveGranted: (e) => e.person,
  evaluationRecorded: (e) => e.subject?.person, commendationIssued: (e) => e.subject?.person,
  criticismIssued: (e) => e.subject?.person, partyBranchFormed: (e) => e.secretary,
};

const sealedFields = (event) =>
  Object.keys(event).filter((k) => isObject(event[k]) && 'commitment' in event[k]);

// ---- the whole check ------------------------------------------------------------------------

// Checks `pack` (the parsed JSON document, or the file's text) and returns what it proves:
// { format, origin, person, asOf, checkpoint: { origin, size, root, note }, vkey: { text,
// name, keyId, fromPack, sameAsPack }, witnesses: { checked, lines, given, quorum,
// cosigned: [{ name, keyId, time }] }, entries: [...], records: [...], keys: [...],
// sealed: { disclosed, withheld, erased } }. Each entry: { seq, as, id, type, recordedAt,
// date, fields (decoded from the signed body), event (as shown), signer: { keyId, holder,
// role, unit, person, registeredAt }, withdrawnBy, withdrawnReason, erasedBy, sealed:
// [{ field, status: disclosed|withheld|erased, value }] }. Each key: { seq, keyId,
// holder, role, unit, person, revokedAt }.
// `vkey`: the ledger's verifier key as the user holds it (else the pack's is used, and
// the result says so). `witnesses`: witness vkeys the user trusts; `quorum` how many of
// them must have cosigned (default all). Throws VerifyError naming the seq and the check.
export async function verifyPack(pack, { vkey, witnesses, quorum } = {}) {
  if (typeof pack === 'string') pack = parsePackText(pack);
  // 1. The members and their types.
  checkShape(pack);
  const origin = pack.origin;

  // 2. The checkpoint, by the user's key or else the pack's; the cosignatures by the
  // user's witness keys, if any (verifyCheckpoint, as the audit page checks them).
  const fromPack = !vkey;
  const vkeyText = fromPack ? pack.vkey : String(vkey).trim();
  let checked;
  try {
    const key = await parseVkey(vkeyText);
    if (key.type !== 0x01) throw new VerifyError('the verifier key is a cosigner key (type 0x04), not a log key');
    checked = await verifyCheckpoint(pack.checkpoint, key, witnesses, quorum);
  } catch (e) {
    if (!(e instanceof VerifyError)) throw e;
    refuse(2, null, `${e.message} (vkey ${fromPack ? 'from the pack' : 'given'}: ${vkeyText})`);
  }
  const { checkpoint: cp, vkey: key, witnesses: w } = checked;
  if (cp.origin !== origin) refuse(2, null, `the checkpoint's origin is ${cp.origin}, the pack's is ${origin}`);
  if (key.name !== origin) refuse(2, null, `the verifier key is named ${key.name}, the pack's origin is ${origin}`);
  if (w.problems.length) refuse(2, null, w.problems[0]);
  const badLine = checked.signatures.find((s) => s.kind === 'witness' && !s.ok);
  if (badLine) refuse(2, null, `the cosignature line of witness ${badLine.name}: ${badLine.error}`);
  if (!w.met) refuse(2, null, `${w.cosigned.length} of ${w.given} witnesses cosigned the checkpoint, the quorum is ${w.quorum}`);
  const witnessResult = { checked: w.given > 0, lines: checked.signatures.filter((s) => s.kind !== 'log').length,
                          given: w.given, quorum: w.quorum, cosigned: w.cosigned };

  // 3. Every entry: below the size, a canonical Entry of its seq with a canonical body,
  // and in the tree of the checkpoint.
  const entries = [];
  for (const e of pack.entries) {
    const seq = e.seq;
    if (seq >= cp.size) refuse(3, seq, `the seq is not below the checkpoint's size ${cp.size}`);
    let bytes;
    let parsed;
    let fields;
    try {
      bytes = b64decode(e.entry);
      parsed = parseEntry(bytes);
    } catch (err) {
      if (!(err instanceof VerifyError)) throw err;
      refuse(3, seq, `the entry bytes: ${err.message}`);
    }
    if (parsed.seq !== BigInt(seq)) refuse(3, seq, `the entry bytes hold seq ${parsed.seq}`);
    try {
      fields = decodeCanonicalEvent(parsed.body);
    } catch (err) {
      if (!(err instanceof VerifyError)) throw err;
      refuse(3, seq, `the body is not a canonical v2 Event: ${err.message}`);
    }
    const leaf = await leafHash(bytes);
    try {
      await verifyInclusion(seq, cp.size, leaf, e.proof.map((p) => fromHex(p)), cp.root);
    } catch (err) {
      if (!(err instanceof VerifyError)) throw err;
      refuse(3, seq, `inclusion in the tree of size ${cp.size}: ${err.message}`);
    }
    entries.push({ pack: e, seq, as: e.as, parsed, fields, date: businessDate(fields, parsed.recordedAt) });
  }

  // 4. Signatures and authority, down to the genesis entry.
  const registrations = [];  // { seq, keyId (hex), publicKey, event }
  for (const x of entries) {
    if (x.fields.type !== 'keyRegistered') continue;
    let publicKey;
    try {
      publicKey = rawKeyFromPem(x.fields.publicKey);
    } catch (err) {
      if (!(err instanceof VerifyError)) throw err;
      refuse(4, x.seq, err.message);
    }
    registrations.push({ seq: x.seq, keyId: hex(await sha256(publicKey)), publicKey, event: x.fields });
  }
  const registrationOf = (keyId, below) =>
    registrations.filter((r) => r.keyId === keyId && r.seq < below).pop() ?? null;
  for (const x of entries) {
    const keyId = hex(x.parsed.keyId);
    if (x.as === 'key' && x.fields.type !== 'keyRegistered') refuse(4, x.seq, `listed as a key, it is a ${x.fields.type}`);
    if (x.as === 'revocation' && x.fields.type !== 'keyRevoked') refuse(4, x.seq, `listed as a revocation, it is a ${x.fields.type}`);
    let reg;
    if (x.seq === 0) {
      reg = registrations.find((r) => r.seq === 0);
      if (!reg) refuse(4, 0, `the genesis entry is a ${x.fields.type}, not a keyRegistered`);
      if (reg.keyId !== keyId) refuse(4, 0, `the genesis entry is signed by key ${keyId}, not by the key it registers`);
      if (reg.event.role !== 'admin') refuse(4, 0, `the genesis entry registers a key of role ${reg.event.role}, not admin`);
    } else {
      reg = registrationOf(keyId, x.seq);
      if (!reg) refuse(4, x.seq, `signed by key ${keyId}, whose keyRegistered is not in the pack at a lower seq`);
    }
    if (!(await ed25519Verify(reg.publicKey, x.parsed.signature, signedMessage(origin, x.parsed.body))))
      refuse(4, x.seq, `the signature does not verify with key ${keyId} (registered at seq ${reg.seq})`);
    x.signer = reg;
  }
  for (const x of entries) {
    if (x.fields.type !== 'keyRegistered' || x.seq === 0) continue;
    if (x.signer.event.role !== 'admin')
      refuse(4, x.seq, `the key registration is signed by ${x.signer.event.holder}, of role ${x.signer.event.role}, not admin`);
  }
  const revocations = entries.filter((x) => x.fields.type === 'keyRevoked');
  for (const r of revocations) {
    const late = entries.find((x) => x.seq > r.seq && hex(x.parsed.keyId) === r.fields.keyId);
    if (late) refuse(4, late.seq, `signed by key ${r.fields.keyId}, revoked at seq ${r.seq}`);
  }

  // 5. Every record entry is about the person, up to the as-of point.
  const person = pack.person;
  const records = entries.filter((x) => x.as === 'record');
  const recordBySeq = new Map(records.map((x) => [x.seq, x]));
  for (const x of records) {
    const f = x.fields;
    if ('seq' in pack.asOf && x.seq > pack.asOf.seq) refuse(5, x.seq, `a record entry after the as-of seq ${pack.asOf.seq}`);
    if ('date' in pack.asOf && x.date > pack.asOf.date) refuse(5, x.seq, `a record entry of ${x.date}, after the as-of date ${pack.asOf.date}`);
    if (PERSON_FIELD[f.type]) {
      const who = PERSON_FIELD[f.type](f);
      if (who !== person) refuse(5, x.seq, `a ${f.type} about ${who ?? 'no person'}, not ${person}`);
    } else if (f.type === 'assignmentEnded') {
      const made = records.find((m) => m.seq < x.seq && m.fields.type === 'assignmentMade' && m.fields.assignment === f.assignment);
      if (!made) refuse(5, x.seq, `ends assignment ${f.assignment}, which no assignmentMade record entry of the pack makes`);
    } else if (f.type === 'retraction' || f.type === 'erasure') {
      const target = recordBySeq.get(Number(f.target));
      if (!target || target.seq >= x.seq) refuse(5, x.seq, `a ${f.type} of seq ${f.target}, which is not a record entry of the pack`);
      if (f.type === 'retraction') Object.assign(target, { withdrawnBy: x.seq, withdrawnReason: f.reason });
      else target.erasedBy = x.seq;
    } else {
      refuse(5, x.seq, `a ${f.type} is never filed under a person`);
    }
  }

  // 7. The pack's sealed values: each item names a sealed field of the body, once; a
  // value shown in clear comes with the salt and value that open the signed commitment,
  // anything else reads as withheld or erased. Checked before 6, which checks the
  // commitments again with the rest of the event, so that a disclosure that does not
  // open is named as such.
  const sealedCount = { disclosed: 0, withheld: 0, erased: 0 };
  for (const x of entries) {
    const names = sealedFields(x.fields);
    const items = x.pack.sealed ?? [];
    if (items.length && !names.length) refuse(7, x.seq, 'sealed values are given for an entry without sealed fields');
    x.sealed = [];
    for (const field of names) {
      const mine = items.filter((s) => s.field === field);
      if (mine.length > 1) refuse(7, x.seq, `${field}: given ${mine.length} times`);
      if (!(field in x.pack.event)) continue;  // not shown: check 6 says so
      const shown = x.pack.event[field];
      const item = mine[0];
      let status = shown === 'erased' ? 'erased' : 'withheld';
      if (item?.erased) {
        if (shown !== 'erased') refuse(7, x.seq, `${field}: said to be erased, shown as ${JSON.stringify(shown)}`);
      } else if (item) {
        if (shown !== item.value) refuse(7, x.seq, `${field}: the disclosed value ${JSON.stringify(item.value)} is shown as ${JSON.stringify(shown)}`);
        if (!(await opensCommitment(item.salt, item.value, x.fields[field].commitment)))
          refuse(7, x.seq, `${field}: SHA-256(salt ‖ value) is not the signed commitment`);
        status = 'disclosed';
      } else if (!WITHHELD.includes(shown)) {
        refuse(7, x.seq, `${field}: shown as ${JSON.stringify(shown)} without its salt`);
      }
      sealedCount[status]++;
      x.sealed.push({ field, status, value: status === 'disclosed' ? item.value : null });
    }
    for (const s of items) {
      if (!names.includes(s.field)) refuse(7, x.seq, `${s.field}: not a sealed field of the event`);
    }
  }

  // 6. The event shown is the signed one, every field of it, each sealed value shown in
  // clear opened by the pack's salt (compareEvent, as a record line is checked).
  for (const x of entries) {
    const diffs = await compareEvent(x.fields, x.pack.event, x.pack.sealed);
    if (diffs.length) refuse(6, x.seq, `the event shown is not the signed one: ${diffs.join('; ')}`);
  }

  const signerOf = (x) => ({ keyId: x.signer.keyId, holder: x.signer.event.holder, role: x.signer.event.role,
                             unit: x.signer.event.unit ?? null, person: x.signer.event.person ?? null,
                             registeredAt: x.signer.seq });
  const out = entries.map((x) => ({
    seq: x.seq, as: x.as, id: x.fields.id, type: x.fields.type,
    recordedAt: recordedAtText(x.parsed.recordedAt), date: x.date,
    fields: x.fields, event: x.pack.event, signer: signerOf(x),
    withdrawnBy: x.withdrawnBy ?? null, withdrawnReason: x.withdrawnReason ?? null, erasedBy: x.erasedBy ?? null,
    sealed: x.sealed,
  }));
  const revokedAt = (keyId) => revocations.find((r) => r.fields.keyId === keyId)?.seq ?? null;
  return {
    format: pack.format, origin, person, asOf: { ...pack.asOf },
    checkpoint: { origin: cp.origin, size: cp.size, root: hex(cp.root), note: pack.checkpoint },
    vkey: { text: vkeyText, name: key.name, keyId: hex(key.keyId), fromPack, sameAsPack: vkeyText === pack.vkey },
    witnesses: witnessResult,
    entries: out,
    records: out.filter((x) => x.as === 'record'),
    keys: registrations.map((r) => ({ seq: r.seq, keyId: r.keyId, holder: r.event.holder, role: r.event.role,
                                      unit: r.event.unit ?? null, person: r.event.person ?? null,
                                      revokedAt: revokedAt(r.keyId) })),
    sealed: sealedCount,
  };
}
