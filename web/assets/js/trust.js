// What this browser trusts, and how it checks the rest: the log's checkpoint key pinned
// on first sight (localStorage "probity.pin"), the last checkpoint it verified
// ("probity.seen"), each new checkpoint proven consistent with that one, and each entry
// checked against the current checkpoint: bytes, leaf hash, key id, signature, the
// fields shown against the signed body, inclusion; and none while the history forked.
// Only public keys, checkpoints and witness vkeys are stored; never a private key.

import { getJson, getText } from './api.js';
import { businessDate, compareEvent, decodeEvent, recordedAtText } from './event.js';
import * as v from './verify.js';

const PIN = 'probity.pin';
const SEEN = 'probity.seen';
const WITNESSES = 'probity.witnesses';

function load(key) {
  try {
    return JSON.parse(localStorage.getItem(key) ?? 'null');
  } catch {
    return null;
  }
}
function save(key, value) {
  try {
    localStorage.setItem(key, JSON.stringify(value));
  } catch {
    // Storage refused (private mode, quota): the pin lasts for this page only.
  }
}

// Listeners told when the trust state changes (a banner shows warnings on every page).
const listeners = new Set();
export const onTrustChange = (f) => listeners.add(f);
let state = { pin: null, consistency: null };
export const trustState = () => state;
function setState(patch) {
  state = { ...state, ...patch };
  for (const f of listeners) f(state);
}

// GET /v1/log, compared with the pin. { log, pinned, status: new|same|changed }.
export async function loadLog() {
  const log = await getJson('/v1/log', { signed: false });
  const pin = load(PIN);
  let status;
  if (!pin || !pin.vkey) {
    save(PIN, { vkey: log.checkpointVkey, origin: log.origin, since: new Date().toISOString() });
    status = 'new';
  } else {
    status = pin.vkey === log.checkpointVkey ? 'same' : 'changed';
  }
  const pinned = load(PIN) ?? { vkey: log.checkpointVkey };
  setState({ pin: { status, pinned: pinned.vkey, server: log.checkpointVkey } });
  return { log, pinned: pinned.vkey, status };
}

// Replaces the pin by the server's key, after the user confirmed it out of band; the
// last seen checkpoint is forgotten with it (it was signed by the old key).
export function acceptServerKey(vkey) {
  save(PIN, { vkey, since: new Date().toISOString() });
  save(SEEN, null);
  save(SEEN_ACCESS, null);
  cached = null;
}

// The log's key as this browser pinned it (loadLog pins it on first sight), or null.
export const pinnedVkey = () => load(PIN)?.vkey ?? null;

export const witnessKeys = () => load(WITNESSES) ?? [];
export function setWitnessKeys(list) {
  save(WITNESSES, list);
  cached = null;
}
export const lastSeen = () => load(SEEN);

let cached = null;  // { at, promise }

// The current checkpoint, verified: its note signed by the pinned key, its origin the
// key's name, consistent with the last one this browser saw. Reused for 5 s.
export function currentCheckpoint({ fresh = false } = {}) {
  if (!fresh && cached && Date.now() - cached.at < 5000) return cached.promise;
  const promise = fetchCheckpoint();
  cached = { at: Date.now(), promise };
  promise.catch(() => {
    if (cached?.promise === promise) cached = null;
  });
  return promise;
}

async function fetchCheckpoint() {
  const { log, pinned, status } = await loadLog();
  const noteText = await getText('/checkpoint', { signed: false });
  const result = { log, pinned, pinStatus: status, note: noteText, verified: false,
                   error: null, checkpoint: null, signatures: [], consistency: null };
  try {
    const vkey = await v.parseVkey(pinned);
    const parsed = v.parseNote(noteText);
    // Shown as they are (none checked) should the checkpoint not verify.
    result.signatures = parsed.signatures.map((s) => ({ name: s.name, keyId: v.hex(s.keyId),
                                                        kind: 'unknown', ok: null }));
    // The witness keys stored here: one that does not parse is shown as such on the
    // audit page, not here; a line that does not verify is shown as such.
    const checked = await v.verifyCheckpoint(parsed, vkey, witnessKeys());
    const cp = checked.checkpoint;
    if (cp.origin !== vkey.name) throw new v.VerifyError(`the origin ${cp.origin} is not the key's name ${vkey.name}`);
    if (cp.origin !== log.origin) throw new v.VerifyError(`the origin ${cp.origin} is not the log's ${log.origin}`);
    result.checkpoint = cp;
    result.verified = true;
    result.signatures = checked.signatures;
  } catch (e) {
    if (!(e instanceof v.VerifyError)) throw e;
    result.error = e.message;
    setState({ consistency: null });
    return result;
  }
  result.consistency = await checkConsistency(result.checkpoint);
  setState({ consistency: result.consistency });
  return result;
}

const SEEN_ACCESS = 'probity.seen.access';

// The access log's checkpoint (formats.md §11): signed by the pinned key, its origin
// line "<origin>/access", and consistent with the last one this browser verified: it may
// not shrink, nor change root at the same size, and a larger one must come with a
// consistency proof from it that checks here. Returns { status: none|ok|fail, note,
// checkpoint, error, growth: first|same|consistent|older|forked|inconsistent }; throws
// ApiError for other failures.
export async function accessCheckpoint() {
  const { pinned } = await loadLog();
  let note;
  try {
    note = await getText('/v1/access-log/checkpoint', { signed: false });
  } catch (e) {
    if (e.status === 404) return { status: 'none' };
    throw e;
  }
  try {
    const vkey = await v.parseVkey(pinned);
    const cp = (await v.verifyCheckpoint(note, vkey)).checkpoint;
    if (cp.origin !== `${vkey.name}/access`)
      throw new v.VerifyError(`the origin ${cp.origin} is not ${vkey.name}/access`);
    const seen = load(SEEN_ACCESS);
    let growth = 'first';
    if (seen && seen.origin === cp.origin) {
      const sameRoot = v.b64encode(cp.root) === seen.root;
      growth = cp.size < seen.size ? 'older' : cp.size > seen.size ? 'grew' : sameRoot ? 'same' : 'forked';
    }
    let why;
    if (growth === 'grew') {
      const proof = await getJson(`/v1/access-log/proofs/consistency?old=${seen.size}&new=${cp.size}`,
                                  { signed: false });
      try {
        const hashes = (proof.hashes ?? []).map((h) => v.fromHex(h));
        await v.verifyConsistency(seen.size, cp.size, hashes, v.b64decode(seen.root), cp.root);
        growth = 'consistent';
      } catch (e) {
        if (!(e instanceof v.VerifyError)) throw e;
        growth = 'inconsistent';
        why = e.message;
      }
    }
    if (['first', 'consistent'].includes(growth))
      save(SEEN_ACCESS, { size: cp.size, root: v.b64encode(cp.root), origin: cp.origin });
    return { status: ['older', 'forked', 'inconsistent'].includes(growth) ? 'fail' : 'ok', note,
             checkpoint: cp, growth, old: seen?.size, why };
  } catch (e) {
    if (!(e instanceof v.VerifyError)) throw e;
    return { status: 'fail', note, error: e.message };
  }
}

// The current checkpoint against the last one this browser verified: first, same,
// consistent (proof checked), older (a rollback) or inconsistent. The stored one moves
// forward only after a proof checks.
async function checkConsistency(cp) {
  const seen = load(SEEN);
  const remember = () => save(SEEN, { size: cp.size, root: v.b64encode(cp.root),
                                      origin: cp.origin, at: new Date().toISOString() });
  if (!seen || seen.origin !== cp.origin) {
    remember();
    return { status: 'first', size: cp.size };
  }
  const oldRoot = v.b64decode(seen.root);
  if (seen.size > cp.size) return { status: 'older', old: seen.size, new: cp.size };
  if (seen.size === cp.size) {
    if (v.equalBytes(oldRoot, cp.root)) return { status: 'same', size: cp.size, at: seen.at };
    return { status: 'inconsistent', old: seen.size, new: cp.size, why: 'the same size has another root' };
  }
  const proof = await getJson(`/v1/proofs/consistency?old=${seen.size}&new=${cp.size}`,
                              { signed: false });
  try {
    const hashes = (proof.hashes ?? []).map((h) => v.fromHex(h));
    await v.verifyConsistency(seen.size, cp.size, hashes, oldRoot, cp.root);
    remember();
    return { status: 'consistent', old: seen.size, new: cp.size, n: hashes.length, at: seen.at };
  } catch (e) {
    if (!(e instanceof v.VerifyError)) throw e;
    return { status: 'inconsistent', old: seen.size, new: cp.size, why: e.message };
  }
}

// Checks entry `seq` in this browser. `shown` is GET /v1/entries/SEQ; `proof` GET
// /v1/proofs/inclusion?seq=&size= for the checkpoint `cp` (verified), `consistency` that
// checkpoint's against the last one seen (checkConsistency). `displayed` is what the
// page shows of the entry when that came from elsewhere (a record line): { type, event,
// date, signer }; by default the event of `shown`. Returns { ok, checks: [{ id, ok,
// detail }] }, never throws for a failed check. The entry must be the one asked for:
// its seq in `shown`, in its bytes and in the proof.
export async function checkEntry(seq, shown, proof, cp, consistency, displayed = {}) {
  const checks = [];
  const run = async (id, f) => {
    try {
      const detail = await f();
      checks.push({ id, ok: true, detail: detail ?? '' });
      return true;
    } catch (e) {
      checks.push({ id, ok: false, detail: e?.message ?? String(e) });
      return false;
    }
  };
  const need = (cond, message) => {
    if (!cond) throw new v.VerifyError(message);
  };
  let bytes;
  let entry;
  let leaf;
  await run('format', () => {
    bytes = v.b64decode(shown.entry);
    entry = v.parseEntry(bytes);
    need(shown.seq === seq, `asked for seq ${seq}, the server answered seq ${shown.seq}`);
    need(entry.seq === BigInt(seq), `asked for seq ${seq}, the entry bytes hold seq ${entry.seq}`);
    return `${bytes.length} bytes`;
  });
  await run('leaf', async () => {
    need(bytes, 'no entry bytes');
    leaf = await v.leafHash(bytes);
    need(v.hex(leaf) === shown.leafHash, `computed ${v.hex(leaf)}, the server says ${shown.leafHash}`);
    return v.hex(leaf);
  });
  let publicKey;
  await run('keyId', async () => {
    need(entry, 'the entry could not be read');
    publicKey = v.b64decode(shown.publicKey ?? '');
    need(publicKey.length === 32, 'the server gave no 32-byte public key');
    const id = v.hex(await v.sha256(publicKey));
    need(id === v.hex(entry.keyId), `SHA-256(public key) is ${id}, the entry names ${v.hex(entry.keyId)}`);
    need(shown.keyId === undefined || shown.keyId === id, `the server shows key id ${shown.keyId}`);
    return id;
  });
  let message;
  await run('signed', () => {
    need(entry, 'the entry could not be read');
    message = v.signedMessage(cp.origin, entry.body);
    need(shown.signed === undefined || v.b64encode(message) === shown.signed,
         'the server\'s "signed" differs from the message rebuilt from the entry');
    return `${message.length} bytes`;
  });
  await run('signature', async () => {
    need(entry && publicKey && message, 'nothing to verify');
    need(await v.ed25519Verify(publicKey, entry.signature, message), 'the signature does not verify');
  });
  // Without a displayed type, the type the server's JSON gives is the one checked.
  const type = displayed.type ?? shown.event?.type;
  if (type) {
    await run('type', () => {
      need(entry, 'the entry could not be read');
      need(entry.eventType === type, `the signed bytes hold ${entry.eventType}, the page shows ${type}`);
      return entry.eventType;
    });
  }
  await run('fields', async () => {
    need(entry, 'the entry could not be read');
    const signed = decodeEvent(entry.body);
    const event = displayed.event ?? shown.event;
    const diffs = await compareEvent(signed, event, shown.sealed);
    if (displayed.date !== undefined) {
      const date = businessDate(signed, entry.recordedAt);
      if (displayed.date !== date) diffs.push(`date: shown ${displayed.date}, signed ${date}`);
    }
    if (shown.recordedAt !== undefined && shown.recordedAt !== recordedAtText(entry.recordedAt))
      diffs.push(`recorded at: shown ${shown.recordedAt}, in the entry ${recordedAtText(entry.recordedAt)}`);
    // A record line's signer reads "<first 12 hex of the key id> <holder> (<role>)".
    if (displayed.signer !== undefined && !String(displayed.signer).startsWith(`${v.hex(entry.keyId).slice(0, 12)} `))
      diffs.push(`signer: shown ${displayed.signer}, the entry's key id is ${v.hex(entry.keyId)}`);
    need(diffs.length === 0, diffs.join('; '));
    return `${Object.keys(event).length} fields`;
  });
  await run('inclusion', async () => {
    need(leaf, 'no leaf hash');
    need(proof.treeSize === cp.size && proof.index === seq,
         `the proof is for leaf ${proof.index} of ${proof.treeSize}, not ${seq} of ${cp.size}`);
    await v.verifyInclusion(seq, cp.size, leaf, (proof.hashes ?? []).map((h) => v.fromHex(h)), cp.root);
    return `${(proof.hashes ?? []).length} hashes, size ${cp.size}`;
  });
  checks.push({ id: 'checkpoint', ok: true, detail: `${cp.origin} ${cp.size}` });
  // A fork or rollback: the checkpoint verifies, but this browser saw another history.
  const forked = ['older', 'inconsistent'].includes(consistency?.status);
  checks.push({ id: 'consistency', ok: !forked,
                detail: forked ? `${consistency.status}: ${consistency.old} → ${consistency.new}${consistency.why ? ` (${consistency.why})` : ''}`
                               : consistency?.status ?? '' });
  return { ok: checks.every((c) => c.ok), checks };
}

// Fetches and checks entry `seq` against the current checkpoint (fetched again when the
// entry is newer than it). `displayed` as for checkEntry. Returns { shown, cp, result }
// or throws ApiError.
export async function verifySeq(seq, displayed = {}) {
  let cp = await currentCheckpoint();
  const shown = await getJson(`/v1/entries/${seq}`);
  if (cp.verified && seq >= cp.checkpoint.size) cp = await currentCheckpoint({ fresh: true });
  if (!cp.verified) {
    return { shown, result: { ok: false, checks: [{ id: 'checkpoint', ok: false, detail: cp.error }] } };
  }
  const proof = await getJson(`/v1/proofs/inclusion?seq=${seq}&size=${cp.checkpoint.size}`,
                              { signed: false });
  return { shown, cp: cp.checkpoint,
           result: await checkEntry(seq, shown, proof, cp.checkpoint, cp.consistency, displayed) };
}
