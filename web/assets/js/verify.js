// What the page checks for itself, trusting nothing the server says: SHA-256 and
// Ed25519 through WebCrypto, RFC 9162 inclusion and consistency proofs, C2SP signed
// notes and checkpoints, and the canonical Cap'n Proto Entry of docs/formats.md §4.
// Pure functions over bytes (Uint8Array); no DOM, no network, so Node runs them too
// (tests/web/verify_test.mjs). A failed check throws VerifyError saying what failed.

export class VerifyError extends Error {
  constructor(message) {
    super(message);
    this.name = 'VerifyError';
  }
}

function fail(message) {
  throw new VerifyError(message);
}

// ---- bytes ---------------------------------------------------------------------------

const encoder = new TextEncoder();
export const utf8 = (text) => encoder.encode(text);

export function concat(...parts) {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

export function equalBytes(a, b) {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a[i] ^ b[i];
  return diff === 0;
}

export function hex(bytes) {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

export function fromHex(text) {
  if (typeof text !== 'string' || !/^([0-9a-f]{2})*$/.test(text)) fail('not lower-case hex');
  const out = new Uint8Array(text.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(text.substr(2 * i, 2), 16);
  return out;
}

// RFC 4648 §4 base64 with padding; anything else (URL alphabet, missing padding,
// white space, non-zero trailing bits) is refused, so one value has one spelling.
export function b64decode(text) {
  if (typeof text !== 'string' || text.length % 4 !== 0 ||
      !/^[A-Za-z0-9+/]*(|[A-Za-z0-9+/]=|==)$/.test(text))
    fail('not canonical base64');
  const raw = atob(text);
  const out = new Uint8Array(raw.length);
  for (let i = 0; i < raw.length; i++) out[i] = raw.charCodeAt(i);
  if (b64encode(out) !== text) fail('not canonical base64');
  return out;
}

export function b64encode(bytes) {
  let raw = '';
  for (let i = 0; i < bytes.length; i += 0x8000)
    raw += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(raw);
}

// ---- hashes and signatures -------------------------------------------------------------

export async function sha256(bytes) {
  return new Uint8Array(await crypto.subtle.digest('SHA-256', bytes));
}

// RFC 9162 §2.1.1: a leaf is SHA-256(0x00 || data), a node SHA-256(0x01 || left || right).
export const leafHash = (data) => sha256(concat(Uint8Array.of(0), data));
const nodeHash = (left, right) => sha256(concat(Uint8Array.of(1), left, right));

// The ledger's rule beyond RFC 8032's equation (docs/formats.md §3, ledger/crypto.h
// ed25519::StrictEncoding): S below the group order L, the key's y below p, and neither the
// key's nor R's y (top bit cleared) that of a point of small order.
const ORDER = 2n ** 252n + 27742317777372353535851937790883648493n;
const P = 2n ** 255n - 19n;
const littleEndian = (bytes) => bytes.reduceRight((n, b) => (n << 8n) | BigInt(b), 0n);
const yOf = (bytes) => littleEndian(bytes) & ((1n << 255n) - 1n);
const SMALL_ORDER_Y = new Set([
  0n, 1n, P - 1n, P, P + 1n,
  yOf(fromHex('26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05')),
  yOf(fromHex('c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a')),
]);
export function ed25519StrictEncoding(publicKey, signature) {
  if (publicKey.length !== 32 || signature.length !== 64) return false;
  const keyY = yOf(publicKey);
  return littleEndian(signature.subarray(32)) < ORDER && keyY < P && !SMALL_ORDER_Y.has(keyY) &&
         !SMALL_ORDER_Y.has(yOf(signature.subarray(0, 32)));
}

// Whether `signature` is a valid Ed25519 signature of `message` by the raw 32-byte
// `publicKey` under the ledger's rule: ed25519StrictEncoding, then RFC 8032's equation
// (WebCrypto). Never throws for a bad signature: that is an ordinary false.
export async function ed25519Verify(publicKey, signature, message) {
  if (!ed25519StrictEncoding(publicKey, signature)) return false;
  const key = await crypto.subtle.importKey('raw', publicKey, { name: 'Ed25519' }, false,
                                            ['verify']);
  return crypto.subtle.verify({ name: 'Ed25519' }, key, signature, message);
}

// ---- RFC 9162 proofs (sizes as Numbers, exact up to 2^53) --------------------------------

const isOdd = (n) => n % 2 === 1;
const half = (n) => Math.floor(n / 2);

function isPowerOfTwo(n) {
  while (n > 1 && n % 2 === 0) n /= 2;
  return n === 1;
}

function checkSize(n, what) {
  if (!Number.isSafeInteger(n) || n < 0) fail(`${what} is not a whole number`);
}

function checkHashes(proof) {
  if (!Array.isArray(proof)) fail('the proof is not a list of hashes');
  for (const p of proof) {
    if (!(p instanceof Uint8Array) || p.length !== 32) fail('a proof hash is not 32 bytes');
  }
}

// RFC 9162 §2.1.3.2: that `leaf` (a leaf hash) is at `index` in the tree of `size`
// leaves whose root is `root`. Throws VerifyError otherwise.
export async function verifyInclusion(index, size, leaf, proof, root) {
  checkSize(index, 'the index');
  checkSize(size, 'the tree size');
  checkHashes(proof);
  if (leaf.length !== 32 || root.length !== 32) fail('a hash is not 32 bytes');
  if (index >= size) fail(`index ${index} is not in a tree of ${size}`);
  let fn = index;
  let sn = size - 1;
  let r = leaf;
  for (const p of proof) {
    if (sn === 0) fail('the inclusion proof is too long');
    if (isOdd(fn) || fn === sn) {
      r = await nodeHash(p, r);
      if (!isOdd(fn)) {
        while (!isOdd(fn) && fn !== 0) {
          fn = half(fn);
          sn = half(sn);
        }
      }
    } else {
      r = await nodeHash(r, p);
    }
    fn = half(fn);
    sn = half(sn);
  }
  if (sn !== 0) fail('the inclusion proof is too short');
  if (!equalBytes(r, root)) fail('the inclusion proof does not lead to the root');
}

// RFC 9162 §2.1.4.2: that the tree of `size1` leaves with root `root1` is a prefix of
// the tree of `size2` with root `root2`. size1 = 0 is refused (probity never signs
// an empty tree), as transparency-dev/merkle does.
export async function verifyConsistency(size1, size2, proof, root1, root2) {
  checkSize(size1, 'the old size');
  checkSize(size2, 'the new size');
  checkHashes(proof);
  if (size1 === 0) fail('the old size is 0: there is nothing to be consistent with');
  if (size1 > size2) fail(`the old size ${size1} is larger than the new size ${size2}`);
  if (size1 === size2) {
    if (proof.length !== 0) fail('a proof between equal sizes must be empty');
    if (!equalBytes(root1, root2)) fail('the same size has two different roots');
    return;
  }
  if (root1.length !== 32 || root2.length !== 32) fail('a root is not 32 bytes');
  if (proof.length === 0) fail('the consistency proof is empty');
  let path = proof;
  // size1 a power of two: the old root is itself a node of the new tree.
  if (isPowerOfTwo(size1)) path = [root1, ...proof];
  let fn = size1 - 1;
  let sn = size2 - 1;
  while (isOdd(fn)) {
    fn = half(fn);
    sn = half(sn);
  }
  let fr = path[0];
  let sr = path[0];
  for (const c of path.slice(1)) {
    if (sn === 0) fail('the consistency proof is too long');
    if (isOdd(fn) || fn === sn) {
      fr = await nodeHash(c, fr);
      sr = await nodeHash(c, sr);
      if (!isOdd(fn)) {
        while (!isOdd(fn) && fn !== 0) {
          fn = half(fn);
          sn = half(sn);
        }
      }
    } else {
      sr = await nodeHash(sr, c);
    }
    fn = half(fn);
    sn = half(sn);
  }
  if (sn !== 0) fail('the consistency proof is too short');
  if (!equalBytes(fr, root1)) fail('the consistency proof does not lead to the old root');
  if (!equalBytes(sr, root2)) fail('the consistency proof does not lead to the new root');
}

// ---- C2SP signed notes and checkpoints ----------------------------------------------------

const EM_DASH = '\u2014 ';

// A verifier key "name+hex8+base64(type || key)" (c2sp.org/signed-note), its key id
// recomputed: SHA-256(name || 0x0A || type || key)[0:4]. type 0x01 is Ed25519 (a log),
// 0x04 an Ed25519 cosigner (c2sp.org/tlog-cosignature).
export async function parseVkey(vkey) {
  if (typeof vkey !== 'string') fail('the verifier key is not text');
  const first = vkey.indexOf('+');
  const second = vkey.indexOf('+', first + 1);
  if (first <= 0 || second < 0) fail('the verifier key is not name+keyid+key');
  const name = vkey.slice(0, first);
  const id = vkey.slice(first + 1, second);
  if (/[\s+]/.test(name)) fail('the verifier key name holds a space or "+"');
  if (!/^[0-9a-f]{8}$/.test(id)) fail('the verifier key id is not 8 hex digits');
  const key = b64decode(vkey.slice(second + 1));
  if (key.length !== 33 || (key[0] !== 0x01 && key[0] !== 0x04))
    fail('the verifier key is not an Ed25519 key (type 0x01 or 0x04)');
  const digest = await sha256(concat(utf8(name), Uint8Array.of(0x0a), key));
  if (hex(digest.subarray(0, 4)) !== id) fail('the verifier key id does not match its key');
  return { name, keyId: fromHex(id), type: key[0], publicKey: key.subarray(1) };
}

// A signed note: the text (through its final "\n"), an empty line, then one or more
// signature lines "— name base64". Throws if it is not that shape.
export function parseNote(note) {
  if (typeof note !== 'string') fail('the note is not text');
  const split = note.lastIndexOf('\n\n');
  if (split < 0) fail('the note has no empty line before its signatures');
  const text = note.slice(0, split + 1);
  const rest = note.slice(split + 2);
  if (!rest.endsWith('\n')) fail('the note does not end with a newline');
  const signatures = [];
  for (const line of rest.slice(0, -1).split('\n')) {
    if (!line.startsWith(EM_DASH)) fail('a signature line does not start with "— "');
    const body = line.slice(EM_DASH.length);
    const space = body.lastIndexOf(' ');
    if (space <= 0) fail('a signature line has no key name');
    const name = body.slice(0, space);
    const blob = b64decode(body.slice(space + 1));
    if (blob.length < 5) fail('a signature is too short');
    signatures.push({ line, name, keyId: blob.subarray(0, 4), blob });
  }
  if (signatures.length === 0) fail('the note has no signature');
  return { text, signatures };
}

// Checks the note's signature line by `vkey` (a parsed type-0x01 key). Throws if there
// is none or it does not verify; lines by other keys are left alone (C2SP).
export async function verifyNote(note, vkey) {
  const parsed = typeof note === 'string' ? parseNote(note) : note;
  if (vkey.type !== 0x01) fail('not a signed-note verifier key');
  const mine = parsed.signatures.filter(
      (s) => s.name === vkey.name && equalBytes(s.keyId, vkey.keyId));
  if (mine.length === 0) fail(`the note has no signature by ${vkey.name}`);
  for (const s of mine) {
    if (s.blob.length !== 68) fail('the log signature is not 4 + 64 bytes');
    if (!(await ed25519Verify(vkey.publicKey, s.blob.subarray(4), utf8(parsed.text))))
      fail(`the signature by ${vkey.name} does not verify`);
  }
  return parsed;
}

// The cosigner key (type 0x04) of a witness that publishes its key as a plain note
// vkey (type 0x01), as the Armored Witnesses do: same name and key, key id recomputed.
export async function asCosigner(vkey) {
  if (vkey.type === 0x04) return vkey;
  const digest = await sha256(concat(utf8(vkey.name), Uint8Array.of(0x0a, 0x04), vkey.publicKey));
  return { ...vkey, type: 0x04, keyId: digest.subarray(0, 4) };
}

// A cosignature/v1 line (c2sp.org/tlog-cosignature): keyid[4] || time[8] || sig[64]
// over "cosignature/v1\ntime T\n" || text. Returns the time (seconds) or throws.
export async function verifyCosignature(signature, text, vkey) {
  if (vkey.type !== 0x04) fail('not a cosigner key (type 0x04)');
  if (signature.name !== vkey.name || !equalBytes(signature.keyId, vkey.keyId))
    fail('the line is by another key');
  if (signature.blob.length !== 76) fail('the cosignature is not 4 + 8 + 64 bytes');
  const view = new DataView(signature.blob.buffer, signature.blob.byteOffset + 4, 8);
  const time = view.getBigUint64(0);
  if (time >= 2n ** 63n) fail('the cosignature time is out of range');
  const message = concat(utf8(`cosignature/v1\ntime ${time}\n`), utf8(text));
  if (!(await ed25519Verify(vkey.publicKey, signature.blob.subarray(12), message)))
    fail(`the cosignature by ${vkey.name} does not verify`);
  return Number(time);
}

// The checkpoint body of c2sp.org/tlog-checkpoint: origin, size, base64 root, then
// extension lines (probity writes none).
export function parseCheckpoint(text) {
  const lines = text.split('\n');
  if (lines.length < 4 || lines[lines.length - 1] !== '') fail('the checkpoint is not 3 lines');
  const [origin, size, root] = lines;
  if (!origin) fail('the checkpoint has no origin');
  if (!/^(0|[1-9][0-9]{0,15})$/.test(size)) fail('the checkpoint size is not a decimal number');
  const rootBytes = b64decode(root);
  if (rootBytes.length !== 32) fail('the checkpoint root is not 32 bytes');
  const n = Number(size);
  if (!Number.isSafeInteger(n)) fail('the checkpoint size is too large');
  return { origin, size: n, root: rootBytes };
}

// A checkpoint note (text, or parseNote's result) checked: signed by the log key `vkey`
// (text or parseVkey's result; verifyNote), its body a checkpoint (parseCheckpoint), and
// each other line by one of `witnesses` (vkey texts; a plain note key counts as its
// cosigner key, asCosigner) checked as a cosignature. Throws VerifyError when the note,
// the log's signature or the checkpoint does not check. Whether the checkpoint's origin
// is the one expected is the caller's to say.
//
// What the witnesses say never throws; what to make of it is the caller's (the Evidence
// check refuses it, the audit page shows it): `problems` lists, in the order met, a
// witness key that does not parse, two different keys with one name and key id (the
// first is used), and a `quorum` (how many of the given witnesses must have cosigned;
// default all of them) outside 0 to that number. A blank witness text is skipped.
// Returns { text, checkpoint, vkey, signatures: [{ name, keyId (hex), kind: log|witness|
// unknown, ok: true|false|null, time (a witness's, when ok), error (when not) }],
// witnesses: { given (distinct keys), quorum, cosigned: [{ name, keyId, time }] (each
// key once, the time of its first line that verifies), met, problems } }.
export async function verifyCheckpoint(note, vkey, witnesses = [], quorum = undefined) {
  const key = typeof vkey === 'string' ? await parseVkey(vkey) : vkey;
  const parsed = await verifyNote(note, key);
  const checkpoint = parseCheckpoint(parsed.text);
  const problems = [];
  const given = [];
  for (const w of witnesses ?? []) {
    const text = String(w).trim();
    if (!text) continue;
    let k;
    try {
      k = await asCosigner(await parseVkey(text));
    } catch (e) {
      if (!(e instanceof VerifyError)) throw e;
      problems.push(`the witness key ${text} is not a verifier key: ${e.message}`);
      continue;
    }
    const twin = given.find((x) => x.name === k.name && equalBytes(x.keyId, k.keyId));
    if (twin && !equalBytes(twin.publicKey, k.publicKey)) problems.push(`two different witness keys are both ${text}`);
    if (!twin) given.push(k);
  }
  let need = given.length;
  if (given.length && !(quorum === undefined || quorum === null || quorum === '')) {
    need = Number(quorum);
    if (!Number.isSafeInteger(need) || need < 0 || need > given.length) {
      problems.push(`the quorum ${quorum} is not between 0 and the ${given.length} witness keys`);
      need = given.length;
    }
  }
  const signatures = [];
  const cosigned = new Map();
  for (const s of parsed.signatures) {
    const line = { name: s.name, keyId: hex(s.keyId), kind: 'unknown', ok: null };
    signatures.push(line);
    if (s.name === key.name && equalBytes(s.keyId, key.keyId)) {
      Object.assign(line, { kind: 'log', ok: true });
      continue;
    }
    const k = given.find((x) => x.name === s.name && equalBytes(x.keyId, s.keyId));
    if (!k) continue;
    line.kind = 'witness';
    try {
      line.time = await verifyCosignature(s, parsed.text, k);
      line.ok = true;
      if (!cosigned.has(k)) cosigned.set(k, line.time);
    } catch (e) {
      if (!(e instanceof VerifyError)) throw e;
      Object.assign(line, { ok: false, error: e.message });
    }
  }
  return {
    text: parsed.text, checkpoint, vkey: key, signatures,
    witnesses: { given: given.length, quorum: need, met: cosigned.size >= need, problems,
                 cosigned: [...cosigned].map(([k, time]) => ({ name: k.name, keyId: hex(k.keyId), time })) },
  };
}

// ---- the Entry (docs/formats.md §1 and §4) ------------------------------------------------

// The union tags of struct Event, in order (formats.md §1).
export const EVENT_TYPES = [
  'invalid', 'unitRegistered', 'personRegistered', 'keyRegistered', 'keyRevoked',
  'cityRegistered', 'groupFormed', 'groupDisbanded', 'partyBranchFormed', 'trainingCompleted',
  'restrictionRecorded', 'restrictionLifted', 'assignmentMade', 'assignmentEnded',
  'leaveGranted', 'reportFiled', 'evaluationRecorded', 'commendationIssued', 'criticismIssued',
  'targetAssessed', 'explanationSubmitted', 'retraction', 'principalNamed',
  'calendarPublished', 'erasure',
];

const u32 = (bytes, at) =>
  (bytes[at] | (bytes[at + 1] << 8) | (bytes[at + 2] << 16) | (bytes[at + 3] << 24)) >>> 0;

// A byte-list pointer in word `word`: where its bytes start (word index) and how many.
function byteList(bytes, word) {
  const lo = u32(bytes, word * 8);
  const hi = u32(bytes, word * 8 + 4);
  if ((lo & 3) !== 1) fail(`entry word ${word} is not a list pointer`);
  if ((hi & 7) !== 2) fail(`entry word ${word} is not a list of bytes`);
  const offset = (lo | 0) >> 2;  // signed 30 bits
  return { start: word + 1 + offset, count: hi >>> 3 };
}

const wordsFor = (n) => Math.ceil(n / 8);

// Reads a canonical Entry{seq, recordedAt, Envelope{body, keyId, signature}}: the
// fixed words of §4, the three byte lists in pointer order with no gaps, zero padding,
// nothing after the signature. Returns { seq (BigInt), recordedAt (BigInt µs), body,
// keyId, signature, eventType } or throws.
export function parseEntry(bytes) {
  if (bytes.length % 8 !== 0 || bytes.length < 56) fail('the entry is not whole words');
  const expect = (at, want, what) => {
    if (hex(bytes.subarray(at, at + 8)) !== want) fail(`the entry's ${what} is not canonical`);
  };
  expect(0, '0000000002000100', 'root pointer');
  expect(24, '0000000000000300', 'envelope pointer');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const seq = view.getBigUint64(8, true);
  const recordedAt = view.getBigInt64(16, true);
  if (recordedAt === 0n) fail('the entry has no recording time');
  const body = byteList(bytes, 4);
  const keyId = byteList(bytes, 5);
  const sig = byteList(bytes, 6);
  if (body.start !== 7 || body.count === 0) fail('the entry body is not where §4 puts it');
  if (keyId.count !== 32 || sig.count !== 64) fail('the key id or signature has the wrong length');
  if (keyId.start !== body.start + wordsFor(body.count) || sig.start !== keyId.start + 4)
    fail('the entry is not in canonical order');
  if ((sig.start + 8) * 8 !== bytes.length) fail('the entry has bytes after its signature');
  for (let i = body.start * 8 + body.count; i < keyId.start * 8; i++) {
    if (bytes[i] !== 0) fail('the entry body padding is not zero');
  }
  const bodyBytes = bytes.subarray(56, 56 + body.count);
  return {
    seq,
    recordedAt,
    body: bodyBytes,
    keyId: bytes.subarray(keyId.start * 8, keyId.start * 8 + 32),
    signature: bytes.subarray(sig.start * 8, sig.start * 8 + 64),
    eventType: eventTypeOf(bodyBytes),
  };
}

// The union member an event body holds (the tag in its root struct's data section).
function eventTypeOf(body) {
  if (body.length < 16) fail('the event body is too short');
  const lo = u32(body, 0);
  const hi = u32(body, 4);
  if ((lo & 3) !== 0) fail('the event body does not start with a struct pointer');
  const dataWords = hi & 0xffff;
  const start = 1 + ((lo | 0) >> 2);
  if (dataWords < 1 || (start + 1) * 8 > body.length) fail('the event has no union tag');
  const tag = body[start * 8] | (body[start * 8 + 1] << 8);
  if (tag === 0 || tag >= EVENT_TYPES.length) fail(`the event's union tag ${tag} is unknown`);
  return EVENT_TYPES[tag];
}

export const EVENT_DOMAIN = 'probity/event/v2\n';

// "probity/event/v2\n" || origin || "\n" || body (formats.md §3).
export const signedMessage = (origin, body) =>
  concat(utf8(EVENT_DOMAIN), utf8(origin), Uint8Array.of(0x0a), body);
