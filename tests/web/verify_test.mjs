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
