// The page's verifiers (web/assets/js/verify.js, httpsig.js) against public vectors and
// the worked examples of docs/: RFC 9162 proofs (transparency-dev/merkle, the CT Argon
// 2020 log), C2SP signed notes (C2SP, golang.org/x/mod, sum.golang.org), the Entry of
// docs/formats.md §4 and the request signature of docs/api.md. Each check also fails
// on a flipped byte.
//   node --test tests/web/verify_test.mjs      (PROBITY_VECTORS: default /work/shared/vectors)
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import test from 'node:test';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const js = path.join(here, '../../web/assets/js');
const v = await import(path.join(js, 'verify.js'));
const sig = await import(path.join(js, 'httpsig.js'));

const vectors = process.env.PROBITY_VECTORS ||
    (fs.existsSync(path.join(here, '../vectors/rfc6962-proofs_transparency-dev-merkle'))
         ? path.join(here, '../vectors')
         : '/work/shared/vectors');
const readJson = (...p) => JSON.parse(fs.readFileSync(path.join(vectors, ...p), 'utf8'));
const b64 = (s) => v.b64decode(s);
const flip = (bytes, at = 0, bit = 1) => {
  const copy = Uint8Array.from(bytes);
  copy[at] ^= bit;
  return copy;
};
async function throwsVerify(promise) {
  await assert.rejects(promise, (e) => e instanceof v.VerifyError);
}

function walk(dir) {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((d) =>
      d.isDirectory() ? walk(path.join(dir, d.name)) : d.name.endsWith('.json')
          ? [path.join(dir, d.name)] : []);
}

// Lenient decoding for the vectors' deliberately bad inputs (short roots and the like).
const loose = (s) => (s == null ? new Uint8Array(0) : Uint8Array.from(Buffer.from(s, 'base64')));

test('RFC 9162 inclusion: every transparency-dev/merkle vector', async () => {
  const dir = path.join(vectors, 'rfc6962-proofs_transparency-dev-merkle/inclusion');
  const files = walk(dir);
  assert.ok(files.length >= 90, `only ${files.length} inclusion vectors`);
  for (const f of files) {
    const c = JSON.parse(fs.readFileSync(f, 'utf8'));
    let ok = true;
    try {
      await v.verifyInclusion(c.leafIdx, c.treeSize, loose(c.leafHash),
                              (c.proof || []).map(loose), loose(c.root));
    } catch (e) {
      if (!(e instanceof v.VerifyError)) throw e;
      ok = false;
    }
    assert.equal(ok, !c.wantErr, `${path.relative(dir, f)}: ${c.desc}`);
  }
});

test('RFC 9162 consistency: every transparency-dev/merkle vector', async () => {
  const dir = path.join(vectors, 'rfc6962-proofs_transparency-dev-merkle/consistency');
  const files = walk(dir);
  assert.ok(files.length >= 90, `only ${files.length} consistency vectors`);
  for (const f of files) {
    const c = JSON.parse(fs.readFileSync(f, 'utf8'));
    let ok = true;
    try {
      await v.verifyConsistency(c.size1, c.size2, (c.proof || []).map(loose), loose(c.root1),
                                loose(c.root2));
    } catch (e) {
      if (!(e instanceof v.VerifyError)) throw e;
      ok = false;
    }
    assert.equal(ok, !c.wantErr, `${path.relative(dir, f)}: ${c.desc}`);
  }
});

test('RFC 6962 test tree: leaf hashes and the roots of sizes 1..8', async () => {
  const t = readJson('rfc6962-proofs_transparency-dev-merkle', 'rfc6962-test-tree.json');
  const leaves = await Promise.all(t.leaves_hex.map((h) => v.leafHash(Buffer.from(h, 'hex'))));
  assert.deepEqual(leaves.map(v.hex), t.leaf_hashes_hex);
  // MTH by the definition (RFC 9162 §2.1.1), to check proofs computed from it.
  const mth = async (hs) => {
    if (hs.length === 1) return hs[0];
    let k = 1;
    while (k * 2 < hs.length) k *= 2;
    return v.sha256(v.concat(Uint8Array.of(1), await mth(hs.slice(0, k)), await mth(hs.slice(k))));
  };
  for (let n = 1; n <= 8; n++) assert.equal(v.hex(await mth(leaves.slice(0, n))), t.roots_hex[n - 1]);
});

test('CT Argon 2020: inclusion and consistency in a tree of 961,984,013 leaves', async () => {
  const d = 'rfc6962-ct-argon2020_golang-mod';
  const sth = readJson(d, 'sth.json');
  const entry = readJson(d, 'entries.json').entries[0];
  const proof = readJson(d, 'proof.json');
  const cons = readJson(d, 'consistency.json');
  const root = b64(sth.sha256_root_hash);
  const leaf = await v.leafHash(b64(entry.leaf_input));
  const path_ = proof.audit_path.map(b64);
  await v.verifyInclusion(proof.leaf_index, sth.tree_size, leaf, path_, root);
  await throwsVerify(v.verifyInclusion(proof.leaf_index + 1, sth.tree_size, leaf, path_, root));
  await throwsVerify(v.verifyInclusion(proof.leaf_index, sth.tree_size, leaf,
                                       [...path_.slice(0, 29), flip(path_[29], 31)], root));
  const oldRoot = b64('AuIZ5V6sDUj1vn3Y1K85oOaQ7y+FJJKtyRTl1edIKBQ=');  // README.txt
  const c = cons.consistency.map(b64);
  await v.verifyConsistency(3654490, sth.tree_size, c, oldRoot, root);
  await throwsVerify(v.verifyConsistency(3654490, sth.tree_size, c, flip(oldRoot), root));
  await throwsVerify(v.verifyConsistency(3654491, sth.tree_size, c, oldRoot, root));
});

test('C2SP signed notes: every vector verifies, and fails on a flipped byte', async () => {
  const { cases } = readJson('signed-note_c2sp_x-mod', 'signed-note-vectors.json');
  assert.equal(cases.length, 4);
  for (const c of cases) {
    for (const vk of c.vkeys || [c.vkey]) {
      const key = await v.parseVkey(vk);
      const note = await v.verifyNote(c.note, key);
      if (c.signed_text) assert.equal(note.text, c.signed_text, c.id);
      await throwsVerify(v.verifyNote(c.note.replace('\n', 'X\n'), key));
      const bad = { ...key, publicKey: flip(key.publicKey, 5) };
      await throwsVerify(v.verifyNote(c.note, bad));
    }
  }
  const sumdb = cases.find((c) => c.id === 'sumdb-real-checkpoint');
  const cp = v.parseCheckpoint(v.parseNote(sumdb.note).text);
  assert.equal(cp.origin, 'go.sum database tree');
  assert.equal(cp.size, 6476701);
  assert.equal(v.b64encode(cp.root), sumdb.checkpoint.root_hash_b64);
  // A vkey whose key id does not match its key is refused.
  await throwsVerify(v.parseVkey(sumdb.vkey.replace('+033de0ae+', '+033de0af+')));
  // The unknown second signer of the doubly signed note is ignored, not refused.
  const doubly = cases.find((c) => c.id === 'x-mod-doubly-signed');
  assert.equal(v.parseNote(doubly.note).signatures.length, 2);
});

// docs/formats.md §4, "Worked example: seq 63" (the demo store's city 石家庄市).
const seq63 = {
  entry: 'AAAAAAIAAQA/AAAAAAAAAEBqENWihgUAAAAAAAAAAwAJAAAAAgQAAEUAAAACAQAAUQAAAAICAAAAAAAAAQACAAUAAAAAAAAABQAAACIBAAAUAAAAAAADAGV2LThlN2E1MzNjMTE5YjdjMWQ0ZTVmZjU3OGNiOTk3MTRmAAAAAAAJAAAAOgAAAAkAAABqAAAADQAAACoAAAAxMzAxMDAAAOefs+WutuW6hOW4ggAAAABVMDM2AAAAACMpiEZ0tx71IViv+lKklfdjXBZDYz3M7I/PTEpR3FvdFI67dzmFx0LZ89XCek+laFz1t9//QkTmSnlG6NLBy8KWMdwE4WHfpUqTrlk4gL164Q/L8G7+ZU+jAQBjRW4tCQ==',
  leafHash: 'fc291d68826efc35a79c0d44f93ff1ee210f3910b2c83b6a45ddcf10bb1aaf03',
  keyId: '2329884674b71ef52158affa52a495f7635c1643633dccec8fcf4c4a51dc5bdd',
  signature: 'FI67dzmFx0LZ89XCek+laFz1t9//QkTmSnlG6NLBy8KWMdwE4WHfpUqTrlk4gL164Q/L8G7+ZU+jAQBjRW4tCQ==',
  signed: 'cHJvYml0eS9ldmVudC92MgpkZW1vLnByb2JpdHkubG9jYWwvYmx1ZS1za3ktMjAxOQoAAAAAAQACAAUAAAAAAAAABQAAACIBAAAUAAAAAAADAGV2LThlN2E1MzNjMTE5YjdjMWQ0ZTVmZjU3OGNiOTk3MTRmAAAAAAAJAAAAOgAAAAkAAABqAAAADQAAACoAAAAxMzAxMDAAAOefs+WutuW6hOW4ggAAAABVMDM2AAAAAA==',
  origin: 'demo.probity.local/blue-sky-2019',
};

test('the Entry of formats.md §4: leaf hash, fields, signed message; tampering is caught', async () => {
  const bytes = b64(seq63.entry);
  assert.equal(v.hex(await v.leafHash(bytes)), seq63.leafHash);
  const e = v.parseEntry(bytes);
  assert.equal(e.seq, 63n);
  assert.equal(e.recordedAt, 1555408801000000n);
  assert.equal(e.body.length, 128);
  assert.equal(v.hex(e.keyId), seq63.keyId);
  assert.equal(v.b64encode(e.signature), seq63.signature);
  assert.equal(e.eventType, 'cityRegistered');
  assert.equal(v.b64encode(v.signedMessage(seq63.origin, e.body)), seq63.signed);
  // One flipped bit anywhere changes the leaf hash; in the framing, the parse fails.
  for (const at of [0, 8, 32, 40, 100, 200, 279]) {
    const bad = flip(bytes, at);
    assert.notEqual(v.hex(await v.leafHash(bad)), seq63.leafHash);
  }
  for (const at of [0, 24, 32, 40, 48]) assert.throws(() => v.parseEntry(flip(bytes, at)), v.VerifyError);
  assert.throws(() => v.parseEntry(v.concat(bytes, new Uint8Array(8))), v.VerifyError);
  assert.throws(() => v.parseEntry(bytes.subarray(0, 272)), v.VerifyError);
  // The union tag: 5 is cityRegistered; 0 is refused.
  const tag0 = Uint8Array.from(bytes);
  tag0[64] = 0;
  assert.throws(() => v.parseEntry(tag0), /union tag 0/);
});

test('Ed25519: a signature made by WebCrypto verifies, and fails on any flipped byte', async () => {
  const k = await crypto.subtle.generateKey({ name: 'Ed25519' }, true, ['sign', 'verify']);
  const pub = new Uint8Array(await crypto.subtle.exportKey('raw', k.publicKey));
  const msg = v.signedMessage('probity.test/web', v.utf8('body'));
  const s = new Uint8Array(await crypto.subtle.sign('Ed25519', k.privateKey, msg));
  assert.equal(await v.ed25519Verify(pub, s, msg), true);
  assert.equal(await v.ed25519Verify(pub, flip(s, 10), msg), false);
  assert.equal(await v.ed25519Verify(pub, s, flip(msg, 3)), false);
  assert.equal(await v.ed25519Verify(flip(pub, 0), s, msg), false);
  assert.equal(await v.ed25519Verify(pub, s.subarray(1), msg), false);
});

test('cosignature/v1: a line made here verifies; a changed time or text does not', async () => {
  const k = await crypto.subtle.generateKey({ name: 'Ed25519' }, true, ['sign', 'verify']);
  const pub = new Uint8Array(await crypto.subtle.exportKey('raw', k.publicKey));
  const name = 'witness.example';
  const keyBytes = v.concat(Uint8Array.of(4), pub);
  const id = (await v.sha256(v.concat(v.utf8(name), Uint8Array.of(10), keyBytes))).subarray(0, 4);
  const vkey = await v.parseVkey(`${name}+${v.hex(id)}+${v.b64encode(keyBytes)}`);
  const text = 'probity.test/web\n5\n' + v.b64encode(new Uint8Array(32)) + '\n';
  const time = new Uint8Array(8);
  new DataView(time.buffer).setBigUint64(0, 1700000000n);
  const s = new Uint8Array(await crypto.subtle.sign('Ed25519', k.privateKey,
                                                    v.utf8(`cosignature/v1\ntime 1700000000\n${text}`)));
  const line = { name, keyId: id, blob: v.concat(id, time, s) };
  assert.equal(await v.verifyCosignature(line, text, vkey), 1700000000);
  await throwsVerify(v.verifyCosignature({ ...line, blob: flip(line.blob, 11) }, text, vkey));
  await throwsVerify(v.verifyCosignature(line, text.replace('5', '6'), vkey));
});

test('docs/api.md worked example: the same key id and signature, byte for byte', async () => {
  // The example key of docs/api.md: seed = 32 bytes of 0x42. Never register it.
  const der = Buffer.from('302e020100300506032b657004220420' + '42'.repeat(32), 'hex');
  const pem = `-----BEGIN PRIVATE KEY-----\n${der.toString('base64')}\n-----END PRIVATE KEY-----\n`;
  const key = await sig.importSigningKey(pem);
  assert.equal(key.keyId, '3097e2dee2cb4a34b53840cdb705aed71067c36f68db0e0f559c3f3fa043315f');
  assert.equal(key.privateKey.extractable, false);
  const fields = await sig.signRequest(key.privateKey, {
    method: 'GET', uri: 'http://127.0.0.1:8080/v1/persons/P000213/record', created: 1700000000,
    keyId: key.keyId,
  });
  assert.equal(fields['Signature-Input'],
               'sig1=("@method" "@target-uri");created=1700000000;keyid="3097e2dee2cb4a34b53840cdb705aed71067c36f68db0e0f559c3f3fa043315f";alg="ed25519"');
  assert.equal(fields['Signature'],
               'sig1=:J5wQL3txXXeaOKsXDt5oZf/gf4yC/BJ4+GENXn+YTgEZPetNje7VkwNc4j0Ww7nfsB5XaS+7Fvk9jJV4EwOcDg==:');
  assert.throws(() => sig.pemToDer('-----BEGIN ENCRYPTED PRIVATE KEY-----\nAA==\n-----END ENCRYPTED PRIVATE KEY-----'),
                /encrypted/);
  assert.throws(() => sig.pemToDer('hello'), /not-pem/);
  const rsaLike = `-----BEGIN PRIVATE KEY-----\n${Buffer.from('3003020100', 'hex').toString('base64')}\n-----END PRIVATE KEY-----\n`;
  await assert.rejects(sig.importSigningKey(rsaLike), /not-ed25519/);
});

test('base64 and hex are strict', () => {
  assert.throws(() => v.b64decode('AA'), v.VerifyError);
  assert.throws(() => v.b64decode('AB=='), v.VerifyError);  // non-zero trailing bits
  assert.throws(() => v.b64decode('A-_='), v.VerifyError);
  assert.deepEqual(Array.from(v.b64decode('AAE=')), [0, 1]);
  assert.throws(() => v.fromHex('ABCD'), v.VerifyError);
});

test('cosignature/v1: real Armored Witness cosignatures; a log moving from 5 to 8', async () => {
  const d = path.join(vectors, 'cosignature_c2sp');
  const read = (f) => fs.readFileSync(path.join(d, f), 'utf8');
  const logKey = await v.parseVkey(read('armored-witness-ftlog-ci-3.vkey').trim());
  const note = await v.verifyNote(read('armored-witness-ftlog-ci-3.note'), logKey);
  const witnesses = await Promise.all(read('armored-witness-prod.vkeys').trim().split('\n')
                                          .map(async (k) => v.asCosigner(await v.parseVkey(k))));
  const times = {};
  for (const s of note.signatures.slice(1)) {
    const w = witnesses.find((k) => k.name === s.name && v.equalBytes(k.keyId, s.keyId));
    assert.ok(w, `no key for ${s.name}`);
    times[s.name] = await v.verifyCosignature(s, note.text, w);
    await throwsVerify(v.verifyCosignature(s, note.text.replace('59', '60'), w));
  }
  assert.deepEqual(times, { 'ArmoredWitness-weathered-rain': 1729698503,
                            'ArmoredWitness-floral-sky': 1729698499 });
  const monkeys = await v.parseVkey(read('monkeys.vkey').trim());
  const five = v.parseCheckpoint((await v.verifyNote(read('monkeys-5.note'), monkeys)).text);
  const eight = v.parseCheckpoint((await v.verifyNote(read('monkeys-8.note'), monkeys)).text);
  const proof = read('monkeys-5-to-8.proof').trim().split('\n').map((h) => v.fromHex(h));
  await v.verifyConsistency(five.size, eight.size, proof, five.root, eight.root);
  await throwsVerify(v.verifyConsistency(five.size, eight.size, proof.slice(1), five.root, eight.root));
});

test('verifyCheckpoint: the log\'s line, each witness line by the keys given, the quorum, what is wrong with the keys', async () => {
  const d = path.join(vectors, 'cosignature_c2sp');
  const read = (f) => fs.readFileSync(path.join(d, f), 'utf8');
  const logVkey = read('armored-witness-ftlog-ci-3.vkey').trim();
  const note = read('armored-witness-ftlog-ci-3.note');
  const keys = read('armored-witness-prod.vkeys').trim().split('\n');
  const named = (name) => keys.find((k) => k.startsWith(`${name}+`));
  // No witness keys: the log's line checked, the others unknown.
  const bare = await v.verifyCheckpoint(note, logVkey);
  assert.equal(bare.checkpoint.size, 59);
  assert.equal(bare.checkpoint.origin, 'transparency.dev/armored-witness/firmware_transparency/ci/3');
  assert.deepEqual(bare.signatures.map((s) => [s.name, s.kind, s.ok]),
                   [['transparency.dev-aw-ftlog-ci-3', 'log', true], ['ArmoredWitness-weathered-rain', 'unknown', null],
                    ['ArmoredWitness-floral-sky', 'unknown', null]]);
  assert.deepEqual([bare.witnesses.given, bare.witnesses.quorum, bare.witnesses.met, bare.witnesses.problems], [0, 0, true, []]);
  // All four keys (plain note keys, as the witnesses publish them), given as text with blanks.
  const all = await v.verifyCheckpoint(v.parseNote(note), await v.parseVkey(logVkey), ['', ...keys.map((k) => ` ${k} `)]);
  assert.deepEqual(all.signatures.slice(1).map((s) => [s.kind, s.ok, s.time]),
                   [['witness', true, 1729698503], ['witness', true, 1729698499]]);
  assert.deepEqual([all.witnesses.given, all.witnesses.quorum, all.witnesses.met], [4, 4, false]);
  assert.deepEqual(all.witnesses.cosigned.map((c) => [c.name, c.time]),
                   [['ArmoredWitness-weathered-rain', 1729698503], ['ArmoredWitness-floral-sky', 1729698499]]);
  assert.equal((await v.verifyCheckpoint(note, logVkey, keys, 2)).witnesses.met, true);
  assert.equal((await v.verifyCheckpoint(note, logVkey, keys, '3')).witnesses.met, false);
  // What is wrong with the keys or the quorum is said, in order, and does not throw.
  const bad = await v.verifyCheckpoint(note, logVkey, ['not a key', named('ArmoredWitness-floral-sky')], 5);
  assert.equal(bad.witnesses.problems.length, 2);
  assert.match(bad.witnesses.problems[0], /^the witness key not a key is not a verifier key: /);
  assert.match(bad.witnesses.problems[1], /^the quorum 5 is not between 0 and the 1 witness keys$/);
  assert.equal(bad.signatures[2].ok, true);
  // A witness line that does not verify: ok false, with why; the log's line still checks.
  const forged = note.replace(/(\u2014 ArmoredWitness-floral-sky \S{30})(\S)/, (m, a, c) => a + (c === 'A' ? 'B' : 'A'));
  const f = await v.verifyCheckpoint(forged, logVkey, keys, 1);
  assert.deepEqual([f.signatures[2].kind, f.signatures[2].ok], ['witness', false]);
  assert.match(f.signatures[2].error, /does not verify/);
  assert.deepEqual([f.witnesses.cosigned.length, f.witnesses.met], [1, true]);
  // The log's signature, or the checkpoint, not checking: VerifyError.
  await throwsVerify(v.verifyCheckpoint(note.replace('\n59\n', '\n60\n'), logVkey));
  await throwsVerify(v.verifyCheckpoint(note, named('ArmoredWitness-floral-sky')));
});

// ---- the event body, the entry asked for, the history, the request URL ------------------

const ev = await import(path.join(js, 'event.js'));
const trust = await import(path.join(js, 'trust.js'));
const api = await import(path.join(js, 'api.js'));
// One envelope of every Event member, as `probity sign` encoded and signed it
// (tools/web_event_vectors.sh), and the signer's raw public key.
const eventVectors = JSON.parse(fs.readFileSync(path.join(here, 'event_vectors.json'), 'utf8'));
const vectorOf = (type, i = 0) => eventVectors.envelopes.filter((e) => e.event.type === type)[i];

test('formats.md §1-§2: every Event member decodes from its signed body to the JSON probity wrote', async () => {
  const publicKey = b64(eventVectors.publicKey);
  for (const e of eventVectors.envelopes) {
    const body = b64(e.body);
    assert.equal(await v.ed25519Verify(publicKey, b64(e.signature), v.signedMessage(eventVectors.origin, body)), true);
    const signed = ev.decodeEvent(body);
    assert.deepEqual(signed, e.event, e.event.type);
    assert.deepEqual(await ev.compareEvent(signed, e.event, e.sealed), [], e.event.type);
  }
  const types = new Set(eventVectors.envelopes.map((e) => e.event.type));
  assert.deepEqual([...types].sort(), v.EVENT_TYPES.slice(1).sort(), 'a member has no vector');
  // docs/formats.md §4's seq 63, from the docs alone.
  const e63 = v.parseEntry(b64(seq63.entry));
  const city = ev.decodeEvent(e63.body);
  assert.deepEqual({ ...city, id: undefined },
                   { id: undefined, type: 'cityRegistered', city: '130100', name: '石家庄市', region: 'jingjinji', guarantor: 'U036' });
  assert.equal(ev.recordedAtText(e63.recordedAt), '2019-04-16T10:00:01.000000Z');
  assert.equal(ev.businessDate(city, e63.recordedAt), '2019-04-16');
  // After 16:00 UTC it is the next day in China Standard Time (projections/dates.cc).
  assert.equal(ev.businessDate(city, 1555430400000000n), '2019-04-17');
  assert.equal(ev.businessDate(ev.decodeEvent(b64(vectorOf('assignmentMade').body)), 0n), '2019-05-10');
});

test('a shown event must be the signed one: each changed, added, hidden or unopened value is named', async () => {
  const diffsFor = async (type, change, sealed, i = 0) => {
    const e = vectorOf(type, i);
    const shown = structuredClone(e.event);
    change(shown);
    return ev.compareEvent(ev.decodeEvent(b64(e.body)), shown, sealed);
  };
  const swap = await diffsFor('assignmentMade', (s) => ([s.from, s.to] = [s.to, s.from]));
  assert.equal(swap.length, 2);
  assert.match(swap[0], /^from: shown 2019-05-24, signed 2019-05-10$/);
  assert.match((await diffsFor('assignmentMade', (s) => (s.group = 'G2')))[0], /^group:/);
  assert.match((await diffsFor('assignmentMade', (s) => (s.position = 'member')))[0], /^position:/);
  assert.match((await diffsFor('assignmentMade', (s) => (s.note = 'x')))[0], /^note: .*not in the signed event/);
  assert.match((await diffsFor('assignmentMade', (s) => delete s.to))[0], /^to: signed 2019-05-24, not shown$/);
  assert.match((await diffsFor('evaluationRecorded', (s) => (s.subject = { person: 'U2' })))[0], /^subject:/);
  assert.match((await diffsFor('evaluationRecorded', (s) => s.distributedTo.reverse()))[0], /^distributedTo:/);
  assert.match((await diffsFor('commendationIssued', (s) => (s.reason = '组织有力!')))[0], /^reason:/);
  assert.match((await diffsFor('retraction', (s) => (s.target = 46)))[0], /^target: shown 46, signed 45$/);
  assert.match((await diffsFor('personRegistered', (s) => (s.name = 'O’Brien (欧)'), [], 1))[0], /^name:/);
  assert.match((await diffsFor('personRegistered', (s) => (s.id = 'ev-other')))[0], /^id:/);
  assert.deepEqual(await ev.compareEvent({ type: 'x' }, null), ['no event is shown']);
  // A sealed value: withheld is fine; a clear value only with the salt that opens it.
  const r = vectorOf('restrictionRecorded');
  const items = r.sealed;
  assert.equal(items[0].value, 'health');
  const as = (value) => ({ ...r.event, reason: value });
  const signed = ev.decodeEvent(b64(r.body));
  assert.deepEqual(await ev.compareEvent(signed, as('withheld (sensitive)')), []);
  assert.deepEqual(await ev.compareEvent(signed, as('health'), items), []);
  assert.match((await ev.compareEvent(signed, as('health')))[0], /without the salt/);
  assert.match((await ev.compareEvent(signed, as('pregnancy'), [{ ...items[0], value: 'pregnancy' }]))[0],
               /not the value of its signed commitment/);
  const badSalt = [{ ...items[0], salt: items[0].salt.replace(/^./, (c) => (c === '0' ? '1' : '0')) }];
  assert.match((await ev.compareEvent(signed, as('health'), badSalt))[0], /not the value/);
});

test('hostile event bodies are refused, never read out of bounds', () => {
  const body = b64(vectorOf('assignmentMade').body);
  assert.throws(() => ev.decodeEvent(body.subarray(0, body.length - 8)), v.VerifyError);
  assert.throws(() => ev.decodeEvent(body.subarray(0, 4)), v.VerifyError);
  const far = Uint8Array.from(body);
  far[24] = 0xf9;  // the member pointer's offset, now far past the end
  far[25] = 0xff;
  assert.throws(() => ev.decodeEvent(far), v.VerifyError);
  const kind = Uint8Array.from(body);
  kind[24] = (kind[24] & ~3) | 2;  // a far pointer
  assert.throws(() => ev.decodeEvent(kind), v.VerifyError);
  const badUtf8 = Uint8Array.from(body);
  const at = Buffer.from(badUtf8).indexOf('A1\0');
  badUtf8[at] = 0xff;
  assert.throws(() => ev.decodeEvent(badUtf8), /not UTF-8/);
  const tag = Uint8Array.from(body);
  tag[8] = 99;
  assert.throws(() => ev.decodeEvent(tag), /union tag 99/);
});

// A log of the first 8 vector envelopes, entries encoded as formats.md §4 says.
function entryBytes(seq, recordedAt, e) {
  const body = b64(e.body);
  const keyId = v.fromHex(e.keyId);
  const signature = b64(e.signature);
  const bodyWords = Math.ceil(body.length / 8);
  const out = new Uint8Array((7 + bodyWords + 4 + 8) * 8);
  const view = new DataView(out.buffer);
  const list = (word, target, count) => {
    view.setUint32(word * 8, (((target - word - 1) << 2) | 1) >>> 0, true);
    view.setUint32(word * 8 + 4, ((count << 3) | 2) >>> 0, true);
  };
  out.set(v.fromHex('0000000002000100'), 0);
  view.setBigUint64(8, BigInt(seq), true);
  view.setBigInt64(16, recordedAt, true);
  out.set(v.fromHex('0000000000000300'), 24);
  list(4, 7, body.length);
  list(5, 7 + bodyWords, 32);
  list(6, 7 + bodyWords + 4, 64);
  out.set(body, 56);
  out.set(keyId, (7 + bodyWords) * 8);
  out.set(signature, (7 + bodyWords + 4) * 8);
  return out;
}
const nodeHash = (l, r) => v.sha256(v.concat(Uint8Array.of(1), l, r));
const split = (n) => {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
};
const mth = async (leaves) => (leaves.length === 1 ? leaves[0]
    : nodeHash(await mth(leaves.slice(0, split(leaves.length))), await mth(leaves.slice(split(leaves.length)))));
async function auditPath(m, leaves) {  // RFC 9162 §2.1.3.1 PATH(m, D[n])
  if (leaves.length === 1) return [];
  const k = split(leaves.length);
  return m < k ? [...(await auditPath(m, leaves.slice(0, k))), await mth(leaves.slice(k))]
               : [...(await auditPath(m - k, leaves.slice(k))), await mth(leaves.slice(0, k))];
}
async function smallLog() {
  const recordedAt = 1555408801000000n;
  const entries = eventVectors.envelopes.slice(0, 8).map((e, seq) => entryBytes(seq, recordedAt, e));
  const leaves = await Promise.all(entries.map((b) => v.leafHash(b)));
  const cp = { origin: eventVectors.origin, size: 8, root: await mth(leaves) };
  const shown = (seq) => ({
    seq, entry: v.b64encode(entries[seq]), leafHash: v.hex(leaves[seq]), keyId: eventVectors.envelopes[seq].keyId,
    publicKey: eventVectors.publicKey, recordedAt: ev.recordedAtText(recordedAt),
    event: structuredClone(eventVectors.envelopes[seq].event),
  });
  const proof = async (seq) => ({ index: seq, treeSize: 8, hashes: (await auditPath(seq, leaves)).map(v.hex) });
  return { cp, shown, proof };
}
const failed = (result) => result.checks.filter((c) => !c.ok).map((c) => c.id).sort().join(',');

test('an entry is checked as the one asked for: entry 7 and its proof do not pass for seq 5', async () => {
  const { cp, shown, proof } = await smallLog();
  const same = { status: 'same', size: 8 };
  const ok = await trust.checkEntry(5, shown(5), await proof(5), cp, same);
  assert.equal(ok.ok, true, JSON.stringify(ok.checks));
  assert.equal(ok.checks.map((c) => c.id).join(','), 'format,leaf,keyId,signed,signature,type,fields,inclusion,checkpoint,consistency');
  // The server answers /v1/entries/5 with entry 7, whole and valid, and 7's proof.
  const swapped = await trust.checkEntry(5, shown(7), await proof(7), cp, same);
  assert.equal(failed(swapped), 'format,inclusion');
  // ... or relabels entry 7 as seq 5 in its JSON: the bytes and the proof still say 7.
  const relabelled = await trust.checkEntry(5, { ...shown(7), seq: 5 }, await proof(7), cp, same);
  assert.equal(failed(relabelled), 'format,inclusion');
  assert.match(relabelled.checks.find((c) => c.id === 'format').detail, /entry bytes hold seq 7/);
  // Entry 5's bytes with entry 7's proof, relabelled as 5: the proof path does not lead to the root.
  const wrongPath = await trust.checkEntry(5, shown(5), { ...(await proof(7)), index: 5 }, cp, same);
  assert.equal(failed(wrongPath), 'inclusion');
});

test('a record line fails when what it shows is not what was signed', async () => {
  const { cp, shown, proof } = await smallLog();
  const same = { status: 'consistent', old: 4, new: 8 };
  const seq = 3;  // personRegistered P7 "O'Brien (欧)"
  const line = () => ({ type: 'personRegistered', event: structuredClone(shown(seq).event), date: '2019-04-16',
                        signer: `${eventVectors.envelopes[seq].keyId.slice(0, 12)} someone (hr)` });
  const check = async (change) => {
    const d = line();
    change(d);
    return trust.checkEntry(seq, shown(seq), await proof(seq), cp, same, d);
  };
  assert.equal((await check(() => {})).ok, true);
  assert.equal(failed(await check((d) => (d.event.name = '张伟'))), 'fields');
  assert.equal(failed(await check((d) => (d.date = '2019-04-17'))), 'fields');
  assert.equal(failed(await check((d) => (d.signer = `000000000000 someone (hr)`))), 'fields');
  assert.equal(failed(await check((d) => (d.type = 'unitRegistered'))), 'type');
  assert.equal(failed(await check((d) => (d.event.type = 'unitRegistered'))), 'fields');
  // The entry page shows the server's recordedAt: it must be the entry's.
  const late = await trust.checkEntry(seq, { ...shown(seq), recordedAt: '2019-04-16T10:00:02.000000Z' },
                                      await proof(seq), cp, same);
  assert.match(late.checks.find((c) => c.id === 'fields').detail, /recorded at/);
});

test('no entry passes while the history forked or rolled back', async () => {
  const { cp, shown, proof } = await smallLog();
  for (const consistency of [{ status: 'inconsistent', old: 40, new: 8, why: 'the consistency proof does not lead to the old root' },
                             { status: 'older', old: 9, new: 8 }]) {
    const r = await trust.checkEntry(3, shown(3), await proof(3), cp, consistency);
    assert.equal(failed(r), 'consistency', consistency.status);
  }
  for (const status of ['first', 'same', 'consistent']) {
    assert.equal((await trust.checkEntry(3, shown(3), await proof(3), cp, { status })).ok, true, status);
  }
});

test('docs/api.md "@target-uri": the URL exactly as fetch sends it, apostrophes and all', () => {
  const q = encodeURIComponent("O'Brien (欧)");
  assert.equal(q, "O'Brien%20(%E6%AC%A7)");  // encodeURIComponent leaves ' ( ) alone
  const url = api.requestUrl(`/v1/persons?q=${q}`, 'http://127.0.0.1:8080');
  assert.equal(api.targetUri(url), 'http://127.0.0.1:8080/v1/persons?q=O%27Brien%20(%E6%AC%A7)');
  assert.equal(url.href, api.targetUri(url));
  assert.equal(api.targetUri(api.requestUrl('/v1/whoami', 'https://ledger.example:443')), 'https://ledger.example/v1/whoami');
  assert.equal(api.targetUri(api.requestUrl('/v1/persons?q=a"b<c>', 'http://h')), 'http://h/v1/persons?q=a%22b%3Cc%3E');
});

// ---- the ledger's Ed25519 rule (docs/formats.md §3), as the page applies it ----------------
// The same public cases as tests/ed25519_rules_test.cc, with the same verdicts: WebCrypto
// alone would accept small-order keys and R values and a non-canonical key.
const ed = (name) => JSON.parse(fs.readFileSync(path.join(here, '../vectors/ed25519', name), 'utf8'));
const edVerify = (c) => v.ed25519Verify(v.fromHex(c.pub_key), v.fromHex(c.signature), v.fromHex(c.message));

test('ed25519: of the 12 speccheck cases only case 3 verifies in the page', async () => {
  const cases = ed('speccheck_cases.json');
  assert.equal(cases.length, 12);
  for (const [i, c] of cases.entries()) assert.equal(await edVerify(c), i === 3, `speccheck case ${i}`);
});

test('ed25519: the constructed edge cases get the strict verdict in the page', async () => {
  const cases = ed('extra_cases.json').cases;
  assert.equal(cases.length, 25);
  for (const c of cases) assert.equal(await edVerify(c), c.expected.strict, c.name);
});

test('ed25519: every Wycheproof case verifies in the page exactly when it is valid', async () => {
  let n = 0;
  for (const g of ed('wycheproof_ed25519_test.json').testGroups) {
    for (const t of g.tests) {
      const got = await v.ed25519Verify(v.fromHex(g.publicKey.pk), v.fromHex(t.sig), v.fromHex(t.msg));
      assert.equal(got, t.result === 'valid', `tcId ${t.tcId}`);
      ++n;
    }
  }
  assert.equal(n, 150);
});
