// What this browser trusts, and how it checks the rest: the log's checkpoint key pinned
// on first sight (localStorage "probity.pin"), the last checkpoint it verified
// ("probity.seen"), each new checkpoint proven consistent with that one, and each entry
// checked against the current checkpoint: bytes, leaf hash, key id, signature, inclusion.
// Only public keys, checkpoints and witness vkeys are stored; never a private key.

import { getJson, getText } from './api.js';
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
  cached = null;
}

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
  let parsed;
  try {
    const vkey = await v.parseVkey(pinned);
    parsed = v.parseNote(noteText);
    result.signatures = parsed.signatures.map((s) => ({ name: s.name, keyId: v.hex(s.keyId),
                                                        kind: 'unknown', ok: null }));
    await v.verifyNote(parsed, vkey);
    const cp = v.parseCheckpoint(parsed.text);
    if (cp.origin !== vkey.name) throw new v.VerifyError(`the origin ${cp.origin} is not the key's name ${vkey.name}`);
    if (cp.origin !== log.origin) throw new v.VerifyError(`the origin ${cp.origin} is not the log's ${log.origin}`);
    result.checkpoint = cp;
    result.verified = true;
    parsed.signatures.forEach((s, i) => {
      if (s.name === vkey.name && v.equalBytes(s.keyId, vkey.keyId))
        Object.assign(result.signatures[i], { kind: 'log', ok: true });
    });
  } catch (e) {
    if (!(e instanceof v.VerifyError)) throw e;
    result.error = e.message;
    setState({ consistency: null });
    return result;
  }
  await checkWitnesses(parsed, result);
  result.consistency = await checkConsistency(result.checkpoint);
  setState({ consistency: result.consistency });
  return result;
}

async function checkWitnesses(parsed, result) {
  const keys = [];
  for (const text of witnessKeys()) {
    try {
      keys.push(await v.asCosigner(await v.parseVkey(text)));
    } catch {
      // A malformed stored key is shown as such on the audit page, not here.
    }
  }
  for (const [i, s] of parsed.signatures.entries()) {
    if (result.signatures[i].kind === 'log') continue;
    const key = keys.find((k) => k.name === s.name && v.equalBytes(k.keyId, s.keyId));
    if (!key) continue;
    result.signatures[i].kind = 'witness';
    try {
      result.signatures[i].time = await v.verifyCosignature(s, parsed.text, key);
      result.signatures[i].ok = true;
    } catch (e) {
      if (!(e instanceof v.VerifyError)) throw e;
      result.signatures[i].ok = false;
      result.signatures[i].error = e.message;
    }
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

// Checks one entry in this browser. `shown` is GET /v1/entries/SEQ; `proof` GET
// /v1/proofs/inclusion?seq=&size= for the checkpoint `cp` (verified). Returns
// { ok, checks: [{ id, ok, detail }] }, never throws for a failed check.
export async function checkEntry(shown, proof, cp, expectedType) {
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
    need(entry.seq === BigInt(shown.seq), `the entry holds seq ${entry.seq}, not ${shown.seq}`);
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
  if (expectedType) {
    await run('type', () => {
      need(entry, 'the entry could not be read');
      need(entry.eventType === expectedType, `the signed bytes hold ${entry.eventType}, the page shows ${expectedType}`);
      return entry.eventType;
    });
  }
  await run('inclusion', async () => {
    need(leaf, 'no leaf hash');
    need(proof.treeSize === cp.size && proof.index === shown.seq, 'the proof is for another leaf or size');
    await v.verifyInclusion(shown.seq, cp.size, leaf, (proof.hashes ?? []).map((h) => v.fromHex(h)), cp.root);
    return `${(proof.hashes ?? []).length} hashes, size ${cp.size}`;
  });
  checks.push({ id: 'checkpoint', ok: true, detail: `${cp.origin} ${cp.size}` });
  return { ok: checks.every((c) => c.ok), checks };
}

// Fetches and checks entry `seq` against the current checkpoint (fetched again when the
// entry is newer than it). Returns { shown, result } or throws ApiError.
export async function verifySeq(seq, expectedType) {
  let cp = await currentCheckpoint();
  const shown = await getJson(`/v1/entries/${seq}`);
  if (cp.verified && seq >= cp.checkpoint.size) cp = await currentCheckpoint({ fresh: true });
  if (!cp.verified) {
    return { shown, result: { ok: false, checks: [{ id: 'checkpoint', ok: false, detail: cp.error }] } };
  }
  const proof = await getJson(`/v1/proofs/inclusion?seq=${seq}&size=${cp.checkpoint.size}`,
                              { signed: false });
  // Without an expected type, the type the server's JSON gives is the one checked.
  const type = expectedType ?? shown.event?.type;
  return { shown, cp: cp.checkpoint, result: await checkEntry(shown, proof, cp.checkpoint, type) };
}
