// The signed event body read in the browser, so that what a page shows is what was
// signed: every member of struct Event (schemas/event.capnp) decoded from the canonical
// body bytes by the layouts of docs/formats.md §1-§2, then compared field by field with
// the event JSON the server wrote. Full decoding, not a search for strings: a value is
// bound to its field, so a swapped "from" and "to" or a changed enum is caught too.
// Pure functions over bytes; no DOM, no network (tests/web/verify_test.mjs runs them).

import { VerifyError, EVENT_TYPES, concat, equalBytes, fromHex, hex, sha256, utf8 } from './verify.js';

function fail(message) {
  throw new VerifyError(message);
}

// Enums by their ordinals (schemas/event.capnp; ordinals are never reused).
export const ENUMS = {
  UnitKind: ['ministryDepartment', 'dispatchedAgency', 'affiliatedInstitution', 'provincialDepartment'],
  StaffCategory: ['civilServant', 'referenceManaged', 'publicInstitution', 'contract'],
  Role: ['admin', 'hr', 'dispatcher', 'enforcement', 'groupLeader', 'partyCommittee', 'guarantor',
         'auditor', 'reviewer'],
  Region: ['jingjinji', 'fenwei'],
  GroupKind: ['central', 'ordinary', 'special'],
  Course: ['business', 'integrity'],
  TrainingMode: ['centralized', 'video', 'tiered', 'other'],
  Position: ['leader', 'member'],
  EndReason: ['completed', 'recalled'],
  LeaveKind: ['compensatory', 'rotation'],
  ReportKind: ['workReport', 'problemFound', 'assistance'],
  Grade: ['outstanding', 'good', 'adequate', 'poor'],
  Recipient: ['ministryLeaders', 'hrDepartment', 'partyCommittee', 'sendingUnit'],
  Ground: ['poorPerformance', 'badAttitude', 'workDiscipline', 'integrityDiscipline',
           'poorOrganisation'],
  TargetScope: ['annual', 'final'],
};

// Each member struct, fields in schema order, as in the table of formats.md §1:
// "name:tN" Text at ptr[N]; "name:eB/Enum" a 16-bit enum at data bit B; "name:u16@B",
// "u32@B", "u64@B" integers; "name:b@B" a Bool; "name:subject:N" a Subject at ptr[N];
// "name:sealed:N" a Sealed at ptr[N]; "name:tl:N" List(Text); "name:el:N/Enum" a list of enums;
// a final "?" marks a field the schema makes $optional. evidence.js re-encodes by it too.
export const MEMBERS = {
  unitRegistered: 'unit:t0 name:t1 kind:e0/UnitKind province:t2?',
  personRegistered: 'person:t0 name:t1 unit:t2 category:e0/StaffCategory',
  keyRegistered: 'publicKey:t0 holder:t1 role:e0/Role unit:t2? person:t3?',
  keyRevoked: 'keyId:t0 reason:t1',
  cityRegistered: 'city:t0 name:t1 region:e0/Region guarantor:t2',
  groupFormed: 'group:t0 city:t1 kind:e0/GroupKind leadUnit:t2 date:t3 task:t4?',
  groupDisbanded: 'group:t0 date:t1',
  partyBranchFormed: 'city:t0 leadUnit:t1 secretary:t2 date:t3',
  trainingCompleted: 'person:t0 course:e0/Course mode:e16/TrainingMode date:t1 note:t2?',
  restrictionRecorded: 'person:t0 reason:sealed:1 from:t2 until:t3?',
  restrictionLifted: 'person:t0 date:t1',
  assignmentMade: 'assignment:t0 person:t1 group:t2 from:t3 to:t4 position:e0/Position',
  assignmentEnded: 'assignment:t0 date:t1 reason:e0/EndReason',
  leaveGranted: 'person:t0 days:u32@0 kind:e32/LeaveKind from:t1',
  reportFiled: 'group:t0 date:t1 kind:e0/ReportKind summary:t2',
  evaluationRecorded: 'evaluation:t0 subject:subject:1 period:t2 grade:e0/Grade summary:t3 date:t4 ' +
                      'distributedTo:el:5/Recipient',
  commendationIssued: 'subject:subject:0 reason:t1 date:t2 evaluation:t3',
  criticismIssued: 'subject:subject:0 ground:e0/Ground reason:t1 date:t2 evaluation:t3',
  targetAssessed: 'city:t0 year:u16@0 scope:e16/TargetScope met:b@32 date:t1',
  explanationSubmitted: 'city:t0 year:u16@0 scope:e16/TargetScope unit:t1 date:t2 summary:t3 principal:t4',
  retraction: 'target:u64@0 reason:t0',
  principalNamed: 'unit:t0 name:t1 date:t2',
  calendarPublished: 'year:u16@0 holidays:tl:0 workdays:tl:1',
  erasure: 'target:u64@0 reason:t0',
};

// The business date a record line shows (projections/reports.cc BusinessDate): the
// event's own date field, else the day in China Standard Time it was recorded.
const DATE_FIELD = {
  groupFormed: 'date', groupDisbanded: 'date', partyBranchFormed: 'date',
  trainingCompleted: 'date', restrictionRecorded: 'from', restrictionLifted: 'date',
  assignmentMade: 'from', assignmentEnded: 'date', leaveGranted: 'from', reportFiled: 'date',
  evaluationRecorded: 'date', commendationIssued: 'date', criticismIssued: 'date',
  targetAssessed: 'date', explanationSubmitted: 'date', principalNamed: 'date',
};

// ---- a bounds-checked reader of one canonical segment ---------------------------------

const textDecoder = new TextDecoder('utf-8', { fatal: true });

class Segment {
  constructor(bytes) {
    if (bytes.length % 8 !== 0 || bytes.length < 8) fail('the event body is not whole words');
    this.bytes = bytes;
    this.words = bytes.length / 8;
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }
  lo(word) {
    return this.view.getUint32(word * 8, true);
  }
  hi(word) {
    return this.view.getUint32(word * 8 + 4, true);
  }
  isNull(word) {
    return this.lo(word) === 0 && this.hi(word) === 0;
  }
  target(word, size) {
    const start = word + 1 + ((this.lo(word) | 0) >> 2);  // signed 30-bit offset
    if (start < 0 || start + size > this.words)
      fail(`event body word ${word} points outside the body`);
    return start;
  }
  // The struct the pointer in `word` points to, or null: { at, data, ptrs } in words.
  struct(word) {
    if (word === null || this.isNull(word)) return null;
    if ((this.lo(word) & 3) !== 0) fail(`event body word ${word} is not a struct pointer`);
    const data = this.hi(word) & 0xffff;
    const ptrs = this.hi(word) >>> 16;
    return { at: this.target(word, data + ptrs), data, ptrs };
  }
  // A list pointer in `word`: { at, size (element size code), count }, or null.
  list(word, wantSize) {
    if (word === null || this.isNull(word)) return null;
    if ((this.lo(word) & 3) !== 1) fail(`event body word ${word} is not a list pointer`);
    const size = this.hi(word) & 7;
    const count = this.hi(word) >>> 3;
    if (size !== wantSize) fail(`event body word ${word} is a list of the wrong kind`);
    const bytesPer = { 2: 1, 3: 2, 6: 8 }[size];
    return { at: this.target(word, Math.ceil((count * bytesPer) / 8)), size, count };
  }
  text(word) {
    const l = this.list(word, 2);
    if (!l) return null;
    const start = l.at * 8;
    if (l.count === 0 || this.bytes[start + l.count - 1] !== 0) fail(`the text at word ${word} has no NUL`);
    try {
      return textDecoder.decode(this.bytes.subarray(start, start + l.count - 1));
    } catch {
      return fail(`the text at word ${word} is not UTF-8`);
    }
  }
  data(word) {
    const l = this.list(word, 2);
    return l ? this.bytes.subarray(l.at * 8, l.at * 8 + l.count) : null;
  }
  // Field accessors of a struct `s`; outside its (truncated) sections a field is default.
  ptr(s, n) {
    return n < s.ptrs ? s.at + s.data + n : null;
  }
  bits(s, bit, width) {
    if (bit + width > s.data * 64) return 0n;
    const at = s.at * 8 + bit / 8;
    if (width === 1) return BigInt((this.bytes[s.at * 8 + (bit >> 3)] >> (bit & 7)) & 1);
    if (width === 16) return BigInt(this.view.getUint16(at, true));
    if (width === 32) return BigInt(this.view.getUint32(at, true));
    return this.view.getBigUint64(at, true);
  }
}

function readField(seg, s, spec) {
  const [name, kind, arg] = spec.replace(/\?$/, '').split(':');
  let m;
  if ((m = /^t(\d)$/.exec(kind))) return [name, seg.text(seg.ptr(s, +m[1]))];
  if ((m = /^e(\d+)\/(\w+)$/.exec(kind))) {
    const n = Number(seg.bits(s, +m[1], 16));
    return [name, ENUMS[m[2]][n] ?? n];
  }
  if ((m = /^u(16|32|64)@(\d+)$/.exec(kind))) {
    const n = seg.bits(s, +m[2], +m[1]);
    return [name, n <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(n) : String(n)];
  }
  if ((m = /^b@(\d+)$/.exec(kind))) return [name, seg.bits(s, +m[1], 1) === 1n];
  if (kind === 'subject') {
    const sub = seg.struct(seg.ptr(s, +arg));
    if (!sub) return [name, null];
    const tag = Number(seg.bits(sub, 0, 16));
    if (tag > 1) fail(`the subject's union tag ${tag} is unknown`);
    return [name, { [tag === 0 ? 'person' : 'unit']: seg.text(seg.ptr(sub, 0)) }];
  }
  if (kind === 'sealed') {
    const sub = seg.struct(seg.ptr(s, +arg));
    const c = sub ? seg.data(seg.ptr(sub, 0)) : null;
    return [name, c ? { commitment: hex(c) } : null];
  }
  if (kind === 'tl') {
    const l = seg.list(seg.ptr(s, +arg), 6);
    return [name, l ? Array.from({ length: l.count }, (_, i) => seg.text(l.at + i)) : null];
  }
  if (kind === 'el') {
    const [n, e] = arg.split('/');
    const l = seg.list(seg.ptr(s, +n), 3);
    return [name, l ? Array.from({ length: l.count }, (_, i) => {
      const v = seg.view.getUint16(l.at * 8 + 2 * i, true);
      return ENUMS[e][v] ?? v;
    }) : null];
  }
  return fail(`no reader for ${spec}`);  // our bug, not the body's
}

// The event in the shape of the server's event JSON: { id, type, ...fields }, enums by
// name, a Subject as { person } or { unit }, a Sealed as { commitment: hex }, a UInt64
// as a Number (a decimal string past 2^53). Absent pointer fields are left out, as the
// JSON leaves them out. Throws VerifyError for bytes that are not such an event.
export function decodeEvent(body) {
  const seg = new Segment(body);
  const root = seg.struct(0);
  if (!root || root.data < 1 || root.ptrs < 2) fail('the event body is not an Event');
  const tag = Number(seg.bits(root, 0, 16));
  const type = EVENT_TYPES[tag];
  if (!type || tag === 0) fail(`the event's union tag ${tag} is unknown`);
  const event = { id: seg.text(seg.ptr(root, 0)), type };
  const member = seg.struct(seg.ptr(root, 1)) ?? { at: 0, data: 0, ptrs: 0 };
  for (const spec of MEMBERS[type].split(' ')) {
    const [name, value] = readField(seg, member, spec);
    if (value !== null) event[name] = value;
  }
  if (event.id === null) delete event.id;
  return event;
}

// The date a record line shows for `event` (decoded), recorded at `recordedAt` (BigInt µs).
export function businessDate(event, recordedAt) {
  const field = DATE_FIELD[event.type];
  if (field) return event[field] ?? '';
  const ms = Number(recordedAt / 1000n) + 8 * 3600 * 1000;
  return new Date(ms).toISOString().slice(0, 10);
}

// recordedAt (BigInt µs) as the server writes it: "2019-04-16T10:00:01.000000Z".
export function recordedAtText(recordedAt) {
  const seconds = recordedAt / 1000000n;
  const micros = String(recordedAt % 1000000n).padStart(6, '0');
  return `${new Date(Number(seconds) * 1000).toISOString().slice(0, 19)}.${micros}Z`;
}

// What the server writes for a sealed value it does not show (formats.md §5).
export const WITHHELD = ['withheld (sensitive)', 'erased'];

function same(a, b) {
  if (typeof a === 'number' || typeof b === 'number') return String(a) === String(b);
  if (Array.isArray(a) || Array.isArray(b)) {
    return Array.isArray(a) && Array.isArray(b) && a.length === b.length && a.every((x, i) => same(x, b[i]));
  }
  if (a && b && typeof a === 'object' && typeof b === 'object') {
    const ka = Object.keys(a);
    return ka.length === Object.keys(b).length && ka.every((k) => k in b && same(a[k], b[k]));
  }
  return a === b;
}

const brief = (v) => {
  const text = typeof v === 'string' ? v : JSON.stringify(v);
  return text === undefined ? 'nothing' : text.length > 40 ? `${text.slice(0, 40)}…` : text;
};

// The differences between `shown` (the event JSON a page displays) and `signed`
// (decodeEvent of the verified body), as sentences; [] when every value shown is the
// signed one and no signed value is hidden. A sealed field may read as withheld; a clear
// value shown for it must come with the salt (`sealedItems`, the server's "sealed") that
// opens its signed commitment: SHA-256(salt || value), formats.md §5.
export async function compareEvent(signed, shown, sealedItems = []) {
  if (!shown || typeof shown !== 'object' || Array.isArray(shown)) return ['no event is shown'];
  const diffs = [];
  for (const [k, value] of Object.entries(shown)) {
    const mine = signed[k];
    if (mine && typeof mine === 'object' && 'commitment' in mine && typeof value === 'string') {
      diffs.push(...await checkSealed(k, value, mine.commitment, sealedItems));
    } else if (!(k in signed)) {
      diffs.push(`${k}: shown ${brief(value)}, not in the signed event`);
    } else if (!same(value, mine)) {
      diffs.push(`${k}: shown ${brief(value)}, signed ${brief(mine)}`);
    }
  }
  for (const k of Object.keys(signed)) {
    if (!(k in shown)) diffs.push(`${k}: signed ${brief(signed[k])}, not shown`);
  }
  return diffs;
}

async function checkSealed(field, value, commitment, sealedItems) {
  if (WITHHELD.includes(value)) return [];
  const item = (Array.isArray(sealedItems) ? sealedItems : []).find((s) => s?.field === field);
  if (!item || typeof item.salt !== 'string' || item.value !== value)
    return [`${field}: shown ${brief(value)} without the salt that opens its signed commitment`];
  let opens;
  try {
    opens = await opensCommitment(item.salt, value, commitment);
  } catch (e) {
    if (!(e instanceof VerifyError)) throw e;
    return [`${field}: the salt is not hex`];
  }
  return opens ? [] : [`${field}: shown ${brief(value)}, which is not the value of its signed commitment`];
}

// Whether `salt` (hex, 32 bytes) and `value` (text) open `commitment` (hex):
// SHA-256(salt ‖ value) is it (formats.md §5). Throws VerifyError when the salt is not hex.
export async function opensCommitment(salt, value, commitment) {
  const bytes = fromHex(salt);
  if (bytes.length !== 32) return false;
  return equalBytes(await sha256(concat(bytes, utf8(value))), fromHex(commitment));
}
