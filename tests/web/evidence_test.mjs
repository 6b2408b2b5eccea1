// Evidence packs (docs/formats.md §12) checked by web/assets/js/evidence.js: the packs
// `probity evidence` writes of a small store (tests/web/make_store.sh, its checkpoint
// cosigned by a witness) verify, in their HTML and JSON forms, and are the packs §12
// describes (one assembled here from the command line is the same); every check of
// "Checking a pack" (1-7) fails on a tampered copy with its own message. The
// checks no real store can reach (a bad signature under a valid proof, a key registered by
// a non-admin, a signer revoked before it signed, witness quorums) run on a small log
// built here with its own keys, checkpoint and proofs.
//   node --test tests/web/evidence_test.mjs      (the probity binary: $PROBITY, else
//   build/probity; `node tests/web/evidence_test.mjs --probity PATH` also works)
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import test from 'node:test';

import * as ep from './evidence_pack.mjs';

const v = await import(path.join(ep.jsDir, 'verify.js'));
const evidence = await import(path.join(ep.jsDir, 'evidence.js'));
const { verifyPack, parsePackText, encodeEvent, decodeCanonicalEvent } = evidence;
const { concat } = v;

const probity = ep.probityPath();
const haveProbity = fs.existsSync(probity);
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'probity-evidence-'));
process.on('exit', () => fs.rmSync(work, { recursive: true, force: true }));

// Rejects with a VerifyError of check `check` (and seq `seq`, when given) whose message
// matches `pattern`.
async function refused(promise, check, seq, pattern) {
  await assert.rejects(promise, (e) => {
    assert.ok(e instanceof v.VerifyError, `not a VerifyError: ${e?.stack ?? e}`);
    assert.equal(e.check, check, e.message);
    if (seq !== undefined) assert.equal(e.seq, seq, e.message);
    const where = seq === undefined ? '(seq \\d+: )?' : seq === null ? '' : `seq ${seq}: `;
    assert.match(e.message, new RegExp(`^${where}check ${check} \\(`));
    if (pattern) assert.match(e.message, pattern);
    return true;
  });
}

// ---- packs of a real store ---------------------------------------------------------------------

const store = haveProbity ? ep.makeStore(probity, work) : null;
const witness = haveProbity ? ep.cosign(probity, store, work) : null;

// The pack `probity evidence` writes of `person`: { pack, html }, the HTML page's pack
// the same as the one --json writes.
const packs = new Map();
function packOf(person, { includeSensitive = false, asOfSeq } = {}) {
  const key = `${person} ${includeSensitive} ${asOfSeq}`;
  if (!packs.has(key)) {
    const args = [...(includeSensitive ? ['--include-sensitive'] : []),
                  ...(asOfSeq !== undefined ? ['--as-of-seq', String(asOfSeq)] : [])];
    const html = ep.exportPack(probity, store, person, path.join(work, `${person}.html`), args);
    const json = ep.exportPack(probity, store, person, path.join(work, `${person}.json`), [...args, '--json']);
    assert.deepEqual(parsePackText(html), JSON.parse(json), 'the HTML and JSON forms hold different packs');
    packs.set(key, { pack: JSON.parse(json), html });
  }
  return structuredClone(packs.get(key));
}
const skip = haveProbity ? false : `no probity at ${probity}`;

const recordSeqs = (person, args = []) =>
  JSON.parse(ep.execText(probity, ['--data', store, 'record', person, '--json', ...args])).events.map((l) => l.seq);
const entryOf = (pack, type, i = 0) => pack.entries.filter((e) => e.event.type === type)[i];

test('real packs verify: the record, each signer down to the genesis entry, the checkpoint', { skip }, async () => {
  const vkey = ep.execText(probity, ['--data', store, 'checkpoint', '--vkey']).trim();
  const size = Number(ep.execText(probity, ['--data', store, 'checkpoint']).split('\n')[1]);
  for (const person of ['P1', 'P2', 'P3', 'P4', 'P5']) {
    const { pack } = packOf(person);
    const r = await verifyPack(pack);
    assert.deepEqual(r.records.map((x) => x.seq), recordSeqs(person), person);
    assert.equal(r.person, person);
    assert.equal(r.origin, 'probity.test/web');
    assert.equal(r.checkpoint.size, size);
    assert.equal(r.vkey.fromPack, true);
    assert.equal(r.vkey.text, vkey);
    assert.equal(r.vkey.keyId, vkey.split('+')[1]);
    assert.equal(r.witnesses.checked, false);
    assert.equal(r.witnesses.lines, 1, 'the witness\'s cosignature line');
    assert.equal(r.entries[0].seq, 0, 'the genesis entry is not in the pack');
    assert.equal(r.entries[0].signer.role, 'admin');
    for (const x of r.records) {
      assert.equal(x.fields.type, x.type);
      assert.ok(r.keys.some((k) => k.keyId === x.signer.keyId && k.seq < x.seq), `seq ${x.seq}: its signer's key is not listed`);
      assert.match(x.recordedAt, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/);
    }
    // The user's own vkey (the same one): not from the pack.
    const mine = await verifyPack(pack, { vkey });
    assert.equal(mine.vkey.fromPack, false);
    assert.equal(mine.vkey.sameAsPack, true);
  }
  // P3: a commendation withdrawn by a retraction of the admin's; P1: its registration by HR.
  const p3 = await verifyPack(packOf('P3').pack);
  const withdrawn = p3.records.filter((x) => x.withdrawnBy !== null);
  assert.equal(withdrawn.length, 1);
  assert.equal(withdrawn[0].type, 'commendationIssued');
  assert.equal(withdrawn[0].withdrawnReason, 'issued to the wrong person');
  assert.equal(p3.records.find((x) => x.seq === withdrawn[0].withdrawnBy).signer.role, 'admin');
  const p1 = await verifyPack(packOf('P1').pack);
  const reg = p1.records.find((x) => x.type === 'personRegistered');
  assert.deepEqual([reg.signer.holder, reg.signer.role], ['hr', 'hr']);
  assert.ok(p1.records.some((x) => x.type === 'assignmentEnded'));
});

test('the exporter writes the pack §12 describes: the same as one assembled here from record, log, show, prove', { skip }, async () => {
  for (const [person, options] of [['P1', {}], ['P2', { includeSensitive: true }], ['P3', {}], ['P4', {}], ['P5', {}],
                                   ['P1', { asOfSeq: 30 }]]) {
    const mine = ep.assemblePack(probity, store, person, { includeSensitive: options.includeSensitive,
                                                           asOf: options.asOfSeq !== undefined ? { seq: options.asOfSeq } : {} });
    const { pack } = packOf(person, options);
    assert.deepEqual(pack, mine, `${person} ${JSON.stringify(options)}`);
    assert.deepEqual(Object.keys(pack), ['format', 'origin', 'vkey', 'person', 'asOf', 'checkpoint', 'witnesses', 'entries'],
                     'the members are not in the order of §12');
  }
});

test('witnesses: the cosignature line checked with the user\'s witness key, a quorum not met', { skip }, async () => {
  const { pack } = packOf('P3');
  const r = await verifyPack(pack, { witnesses: [witness] });
  assert.deepEqual([r.witnesses.checked, r.witnesses.given, r.witnesses.quorum, r.witnesses.cosigned.length], [true, 1, 1, 1]);
  assert.equal(r.witnesses.cosigned[0].name, 'witness.probity.test');
  const other = synthLog([{ type: 'genesis' }]).witnessVkeys[0];
  await refused(verifyPack(pack, { witnesses: [witness, other] }), 2, null, /1 of 2 witnesses cosigned the checkpoint, the quorum is 2/);
  assert.equal((await verifyPack(pack, { witnesses: [witness, other], quorum: 1 })).witnesses.cosigned.length, 1);
  // --witness: the exporter checked it and lists it (informative: the checker takes the user's).
  const named = JSON.parse(ep.exportPack(probity, store, 'P3', path.join(work, 'P3-w.json'), ['--json', '--witness', witness]));
  assert.deepEqual(named.witnesses, [witness]);
  assert.equal((await verifyPack(named)).witnesses.checked, false);
});

test('the HTML page and the bare JSON hold the same pack; anything else is refused (check 1)', { skip }, async () => {
  const { pack, html } = packOf('P2');
  const page = html;
  assert.deepEqual(parsePackText(page), pack);
  assert.deepEqual(parsePackText(`\n  ${JSON.stringify(pack)}\n`), pack);
  assert.ok(!page.slice(page.indexOf('id="probity-evidence">')).split('</script>')[0].slice(22).includes('<'),
            'the JSON in the page holds a raw "<"');
  await verifyPack(page);  // the text itself
  assert.throws(() => parsePackText('<html><body>nothing</body></html>'), /check 1 \(format\): neither JSON/);
  assert.throws(() => parsePackText(page.replace('"format"', '"<b>":1,"format"')), /raw "<"/);
  assert.throws(() => parsePackText('{"format": '), /check 1 \(format\): the JSON does not parse/);
});

test('one page, one pack: a page holding the evidence element twice is refused; the element\'s text by the same raw "<" rule (check 1)', { skip }, async () => {
  const { pack, html } = packOf('P3');
  const open = '<script type="application/json" id="probity-evidence">';
  const other = ep.packJson(packOf('P1').pack);
  for (const twice of [html.replace('<main>', `<main>${open}${other}</script>`),
                       html.replace('</body>', `${open}${other}</script></body>`)])
    assert.throws(() => parsePackText(twice), /^VerifyError: check 1 \(format\): the page holds .* more than once$/);
  // What the page's script reads from its element (evidence_page.js) is held to the rule
  // parsePackText holds the file to.
  assert.deepEqual(evidence.parsePageJson(ep.packJson(pack)), pack);
  assert.throws(() => evidence.parsePageJson(JSON.stringify({ ...pack, person: '<P3' })), /check 1 \(format\): the JSON in the page holds a raw "<"/);
  assert.throws(() => evidence.parsePageJson('{"format":'), /check 1 \(format\): the JSON does not parse/);
  await refused(verifyPack(html.replace(`"person":"P3"`, `"person":"P3<"`)), 1, null, /raw "<"/);
});

test('what a failure says: a browser without Ed25519 is not a failed pack', () => {
  const unsupported = Object.assign(new Error('Ed25519 unknown'), { name: 'NotSupportedError' });
  assert.deepEqual(evidence.failureMessage(unsupported, 'P1.html'), ['evidence.unsupported', { why: 'Ed25519 unknown' }]);
  assert.deepEqual(evidence.failureMessage(new v.VerifyError('seq 3: check 6 (event): x'), 'P1.html'),
                   ['evidence.fail', { why: 'P1.html: seq 3: check 6 (event): x' }]);
  assert.deepEqual(evidence.failureMessage(new v.VerifyError('y')), ['evidence.fail', { why: 'y' }]);
});

test('one set of words: t is tIn in the current language; what the evidence pages say is in both languages', async () => {
  globalThis.document ??= { documentElement: {} };  // setLang sets <html lang>
  const i18n = await import(path.join(ep.jsDir, 'i18n.js'));
  const keys = ['evidence.key.pack', 'evidence.key.user', 'evidence.key.pinned', 'evidence.key.differs',
                'evidence.vkey.note', 'evidence.vkey.pinned', 'evidence.vkey.pinned.note', 'evidence.fail',
                'evidence.unsupported', 'evidence.notpack', 'evidence.lines.bad', 'evidence.lines.missing',
                'evidence.lines.stray'];
  const placeholders = (text) => [...text.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();
  const vars = { id: 'ab12', seq: 7, n: 2, why: 'x' };
  for (const key of keys) {
    const [zh, en] = [i18n.tIn('zh', key), i18n.tIn('en', key)];
    assert.notEqual(en, key, `no English for ${key}`);
    assert.notEqual(zh, en, `no Chinese for ${key}`);
    assert.deepEqual(placeholders(zh), placeholders(en), key);
    for (const language of ['zh', 'en']) {
      i18n.setLang(language);
      assert.equal(i18n.t(key, vars), i18n.tIn(language, key, vars));
      assert.deepEqual(placeholders(i18n.t(key, vars)), [], key);
    }
  }
  // The two sources of a vkey other than the user's are told apart in both languages.
  assert.match(i18n.tIn('zh', 'evidence.key.pinned'), /本浏览器固定/);
  assert.match(i18n.tIn('en', 'evidence.key.pinned'), /this browser pinned/);
  assert.match(i18n.tIn('zh', 'evidence.key.pack'), /取自此文件/);
  assert.match(i18n.tIn('en', 'evidence.key.pack'), /taken from this file/);
});

test('one implementation each: the checkpoint (verify.js verifyCheckpoint), the fields shown (records.js eventFields), the words (i18n.js tIn)', () => {
  const src = (f) => fs.readFileSync(path.join(ep.jsDir, f), 'utf8');
  const files = [...fs.readdirSync(ep.jsDir).filter((f) => f.endsWith('.js')),
                 ...fs.readdirSync(path.join(ep.jsDir, 'views')).map((f) => `views/${f}`)];
  for (const f of files.filter((x) => x !== 'verify.js')) {
    assert.doesNotMatch(src(f), /\b(verifyNote|verifyCosignature|asCosigner|parseCheckpoint)\(/, `${f} checks a checkpoint itself`);
  }
  assert.match(src('evidence.js'), /\bverifyCheckpoint\(pack\.checkpoint/);
  assert.match(src('trust.js'), /\bv\.verifyCheckpoint\(/);
  assert.match(src('views/evidence.js'), /^import \{[^}]*\beventFields\b[^}]*\} from '\.\/records\.js';$/m);
  assert.doesNotMatch(src('views/evidence.js'), /function (valueText|fields)\b|\bfieldLabel\b|\bhasLabel\b/);
  const substitutions = files.filter((f) => src(f).includes('/\\{(\\w+)\\}/g'));
  assert.deepEqual(substitutions, ['i18n.js']);
  assert.equal(src('i18n.js').split('/\\{(\\w+)\\}/g').length, 2, 'i18n.js substitutes {name} more than once');
  assert.match(src('i18n.js'), /export function t\(key, vars = \{\}\) \{\n  return tIn\(current, key, vars\);\n\}/);
});

test('as of a seq or a date: the record up to it, and no record entry after it (check 5)', { skip }, async () => {
  const all = recordSeqs('P1');
  const asOf = all[Math.floor(all.length / 2)];
  const { pack } = packOf('P1', { asOfSeq: asOf });
  const r = await verifyPack(pack);
  assert.deepEqual(r.records.map((x) => x.seq), recordSeqs('P1', ['--as-of-seq', String(asOf)]));
  assert.deepEqual(r.asOf, { seq: asOf });
  const later = packOf('P1').pack;
  later.asOf = { seq: asOf };
  const first = later.entries.find((e) => e.as === 'record' && e.seq > asOf).seq;
  await refused(verifyPack(later), 5, first, /after the as-of seq/);
  // --as-of DATE: the lines of a business date up to it.
  const byDate = JSON.parse(ep.exportPack(probity, store, 'P1', path.join(work, 'P1-date.json'), ['--json', '--as-of', '2019-05-20']));
  const dateResult = await verifyPack(byDate);
  assert.deepEqual(dateResult.records.map((x) => x.seq), recordSeqs('P1', ['--as-of', '2019-05-20']));
  assert.ok(dateResult.records.every((x) => x.date <= '2019-05-20'));
  const dated = packOf('P1').pack;
  dated.asOf = { date: '2019-05-01' };
  await refused(verifyPack(dated), 5, undefined, /after the as-of date 2019-05-01/);
});

test('sealed values: withheld, or disclosed with the salt that opens the commitment (check 7), and shown (check 6)', { skip }, async () => {
  const withheld = await verifyPack(packOf('P2').pack);
  assert.deepEqual(withheld.sealed, { disclosed: 0, withheld: 1, erased: 0 });
  const { pack } = packOf('P2', { includeSensitive: true });
  const r = await verifyPack(pack);
  assert.deepEqual(r.sealed, { disclosed: 1, withheld: 0, erased: 0 });
  const restriction = entryOf(pack, 'restrictionRecorded');
  const seq = restriction.seq;
  assert.deepEqual(r.records.find((x) => x.seq === seq).sealed, [{ field: 'reason', status: 'disclosed', value: 'pregnancy' }]);

  const salt = structuredClone(pack);
  entryOf(salt, 'restrictionRecorded').sealed[0].salt = restriction.sealed[0].salt.replace(/^./, (c) => (c === '0' ? '1' : '0'));
  await refused(verifyPack(salt), 7, seq, /reason: SHA-256\(salt ‖ value\) is not the signed commitment/);
  const value = structuredClone(pack);
  entryOf(value, 'restrictionRecorded').sealed[0].value = 'health';
  entryOf(value, 'restrictionRecorded').event.reason = 'health';
  await refused(verifyPack(value), 7, seq, /not the signed commitment/);
  const shown = structuredClone(pack);
  entryOf(shown, 'restrictionRecorded').event.reason = 'health';
  await refused(verifyPack(shown), 7, seq, /the disclosed value "pregnancy" is shown as "health"/);
  const nosalt = packOf('P2').pack;
  entryOf(nosalt, 'restrictionRecorded').event.reason = 'pregnancy';
  await refused(verifyPack(nosalt), 7, seq, /reason: shown as "pregnancy" without its salt/);
  const stray = structuredClone(pack);
  const training = entryOf(stray, 'trainingCompleted');
  training.sealed = [{ field: 'note', salt: restriction.sealed[0].salt, value: 'x' }];
  await refused(verifyPack(stray), 7, training.seq, /without sealed fields/);
  const erased = structuredClone(pack);
  entryOf(erased, 'restrictionRecorded').sealed = [{ field: 'reason', erased: true }];
  await refused(verifyPack(erased), 7, seq, /said to be erased, shown as "pregnancy"/);
  entryOf(erased, 'restrictionRecorded').event.reason = 'erased';
  assert.deepEqual((await verifyPack(erased)).sealed, { disclosed: 0, withheld: 0, erased: 1 });
  // Check 6 (compareEvent, with the pack's sealed items when it has them) holds the sealed
  // fields too: one left out of the event shown is named, with or without its salt.
  for (const unshown of [packOf('P2').pack, structuredClone(pack)]) {
    delete entryOf(unshown, 'restrictionRecorded').event.reason;
    await refused(verifyPack(unshown), 6, seq, /reason: signed \{"commitment":"[0-9a-f]+…, not shown/);
  }
});

test('each check fails with its own message on a tampered real pack', { skip }, async () => {
  const base = packOf('P1').pack;
  const copy = () => structuredClone(base);
  const record = (p, i = 0) => p.entries.filter((e) => e.as === 'record')[i];

  // 1. The members and their types.
  await refused(verifyPack({ ...copy(), format: 'probity-evidence/v2' }), 1, null, /the format is "probity-evidence\/v2"/);
  await refused(verifyPack({ ...copy(), extra: 1 }), 1, null, /a member "extra"/);
  const missing = copy();
  delete missing.witnesses;
  await refused(verifyPack(missing), 1, null, /has no "witnesses"/);
  const swapped = copy();
  [swapped.entries[1], swapped.entries[2]] = [swapped.entries[2], swapped.entries[1]];
  await refused(verifyPack(swapped), 1, undefined, /not in increasing seq order/);
  const as = copy();
  const relabelled = record(as);
  relabelled.as = 'witness';
  await refused(verifyPack(as), 1, relabelled.seq, /"as" is "witness"/);
  const proof = copy();
  record(proof).proof[0] = record(proof).proof[0].toUpperCase();
  await refused(verifyPack(proof), 1, record(proof).seq, /"proof" is not a list of 32-byte hex hashes/);
  await refused(verifyPack({ ...copy(), asOf: { seq: 3, date: '2019-01-01' } }), 1, null, /"asOf"/);

  // 2. The checkpoint.
  const size = copy();
  size.checkpoint = size.checkpoint.replace(/\n(\d+)\n/, (m, n) => `\n${Number(n) + 1}\n`);
  await refused(verifyPack(size), 2, null, /does not verify \(vkey from the pack/);
  const origin = copy();
  origin.origin = 'probity.test/other';
  await refused(verifyPack(origin), 2, null, /the checkpoint's origin is probity\.test\/web, the pack's is probity\.test\/other/);
  const other = synthLog([{ type: 'genesis' }]);
  await refused(verifyPack(copy(), { vkey: other.vkey }), 2, null, /has no signature by/);
  await refused(verifyPack(copy(), { witnesses: [other.witnessVkeys[0]] }), 2, null,
                /0 of 1 witnesses cosigned the checkpoint, the quorum is 1/);
  assert.equal((await verifyPack(copy(), { witnesses: [other.witnessVkeys[0]], quorum: 0 })).witnesses.checked, true);

  // 3. Each entry: its seq, its bytes, its body, its inclusion.
  const n = Number(base.checkpoint.split('\n')[1]);
  const beyond = copy();
  beyond.entries.push({ ...structuredClone(record(base)), seq: n });
  await refused(verifyPack(beyond), 3, n, /not below the checkpoint's size/);
  const target = record(base, 2).seq;
  await refused(verifyPack(ep.flipEntryByte(copy(), target)), 3, target, /inclusion in the tree of size \d+: the inclusion proof does not lead to the root/);
  const other2 = copy();
  const e2 = record(other2, 2);
  e2.entry = record(other2, 3).entry;
  await refused(verifyPack(other2), 3, e2.seq, new RegExp(`the entry bytes hold seq ${record(base, 3).seq}`));
  const short = copy();
  record(short, 2).proof.pop();
  await refused(verifyPack(short), 3, target, /too short/);
  const b64 = copy();
  record(b64, 2).entry = record(b64, 2).entry.replace(/=*$/, '');
  await refused(verifyPack(b64), 3, target, /the entry bytes: not canonical base64/);

  // 4. The signers: a registration left out, an entry listed as what it is not.
  const keyless = copy();
  const signerKey = keyless.entries.find((e) => e.as === 'key' && e.seq > 0);
  keyless.entries = keyless.entries.filter((e) => e !== signerKey);
  await refused(verifyPack(keyless), 4, undefined, /whose keyRegistered is not in the pack at a lower seq/);
  const nogenesis = copy();
  nogenesis.entries.shift();
  await refused(verifyPack(nogenesis), 4, undefined, /whose keyRegistered is not in the pack/);
  const askey = copy();
  const asKey = record(askey);
  asKey.as = 'key';
  await refused(verifyPack(askey), 4, asKey.seq, /listed as a key, it is a personRegistered/);

  // 5. About the person.
  await refused(verifyPack({ ...copy(), person: 'P2' }), 5, record(base).seq, /a personRegistered about P1, not P2/);
  const key = copy();
  key.entries.find((e) => e.as === 'key' && e.seq > 0).as = 'record';
  await refused(verifyPack(key), 5, undefined, /a keyRegistered is never filed under a person/);
  const made = copy();
  const a1 = made.entries.find((e) => e.event.type === 'assignmentMade' && e.event.assignment === 'A1');
  made.entries = made.entries.filter((e) => e !== a1);
  await refused(verifyPack(made), 5, entryOf(base, 'assignmentEnded').seq, /ends assignment A1, which no assignmentMade record entry/);
  const p3 = packOf('P3').pack;
  const commendation = entryOf(p3, 'commendationIssued');
  p3.entries = p3.entries.filter((e) => e !== commendation);
  await refused(verifyPack(p3), 5, entryOf(p3, 'retraction').seq, new RegExp(`a retraction of seq ${commendation.seq}, which is not a record entry`));

  // 6. The event shown is the signed one.
  const group = copy();
  group.entries.find((e) => e.seq === a1.seq).event.group = 'G2';
  await refused(verifyPack(group), 6, a1.seq, /group: shown G2, signed G1/);
  const added = copy();
  record(added).event.note = 'x';
  await refused(verifyPack(added), 6, record(added).seq, /note: shown x, not in the signed event/);
  const hidden = copy();
  delete hidden.entries.find((e) => e.seq === a1.seq).event.to;
  await refused(verifyPack(hidden), 6, a1.seq, /to: signed 2019-05-24, not shown/);
  const keyHolder = copy();
  keyHolder.entries.find((e) => e.as === 'key' && e.seq > 0).event.holder = 'someone else';
  await refused(verifyPack(keyHolder), 6, undefined, /holder: shown someone else/);
});

// ---- a log built here: what no real store can hold -----------------------------------------------

const sha = (...parts) => crypto.createHash('sha256').update(Buffer.concat(parts.map((p) => Buffer.from(p)))).digest();
const rawPublic = (key) => crypto.createPublicKey(key).export({ format: 'der', type: 'spki' }).subarray(12);
const pemOf = (key) => crypto.createPublicKey(key).export({ format: 'pem', type: 'spki' });

function entryBytes(seq, recordedAt, body, keyId, signature) {
  const words = (n) => Math.ceil(n / 8);
  const out = Buffer.alloc(56 + words(body.length) * 8 + 32 + 64);
  out.writeUInt32LE(0, 0);
  out.writeUInt32LE(0x00010002, 4);  // struct: 2 data words, 1 pointer
  out.writeBigUInt64LE(BigInt(seq), 8);
  out.writeBigInt64LE(BigInt(recordedAt), 16);
  out.writeUInt32LE(0, 24);
  out.writeUInt32LE(0x00030000, 28);  // envelope: 0 data words, 3 pointers
  const list = (word, target, count) => {
    out.writeUInt32LE(((target - word - 1) << 2) | 1, word * 8);
    out.writeUInt32LE(2 | (count << 3), word * 8 + 4);
  };
  list(4, 7, body.length);
  list(5, 7 + words(body.length), 32);
  list(6, 7 + words(body.length) + 4, 64);
  Buffer.from(body).copy(out, 56);
  Buffer.from(keyId).copy(out, 56 + words(body.length) * 8);
  Buffer.from(signature).copy(out, 56 + words(body.length) * 8 + 32);
  return out;
}

function mth(leaves) {
  if (leaves.length === 1) return leaves[0];
  let k = 1;
  while (k * 2 < leaves.length) k *= 2;
  return sha([1], mth(leaves.slice(0, k)), mth(leaves.slice(k)));
}
function path9162(m, leaves) {
  if (leaves.length <= 1) return [];
  let k = 1;
  while (k * 2 < leaves.length) k *= 2;
  return m < k ? [...path9162(m, leaves.slice(0, k)), mth(leaves.slice(k))]
      : [...path9162(m - k, leaves.slice(k)), mth(leaves.slice(0, k))];
}

const ORIGIN = 'evidence.test/synthetic';

// A log of `steps`: { type: 'genesis' } | { type: 'key', name, role, by } | { type: 'person',
// person, by } | { type: 'revoke', name, by } | { type: 'training', person, by, badSignature }
// (by: a key name). Returns { pack, vkey, witnessVkeys, keys } with every entry in the pack
// (the keys as `key`, the revocations as `revocation`, the rest as `record` of P1), a
// checkpoint signed by the log's key and cosigned by the first of two witnesses.
function synthLog(steps, { person = 'P1' } = {}) {
  const keys = {};
  const newKey = (name) => (keys[name] = crypto.generateKeyPairSync('ed25519').privateKey);
  const entries = [];
  let time = 1555408801000000n;
  steps.forEach((s, seq) => {
    let event;
    let signer;
    if (s.type === 'genesis') {
      newKey('admin');
      event = { id: 'genesis', type: 'keyRegistered', publicKey: pemOf(keys.admin), holder: 'ledger administrator', role: 'admin' };
      signer = 'admin';
    } else if (s.type === 'key') {
      newKey(s.name);
      event = { id: `k-${s.name}`, type: 'keyRegistered', publicKey: pemOf(keys[s.name]), holder: s.name, role: s.role };
      if (s.unit) event.unit = s.unit;
      signer = s.by;
    } else if (s.type === 'revoke') {
      event = { id: `r-${s.name}`, type: 'keyRevoked', keyId: sha(rawPublic(keys[s.name])).toString('hex'), reason: 'lost' };
      signer = s.by;
    } else if (s.type === 'person') {
      event = { id: `p-${seq}`, type: 'personRegistered', person: s.person ?? person, name: '张伟', unit: 'U1', category: 'civilServant' };
      signer = s.by;
    } else {
      event = { id: `t-${seq}`, type: 'trainingCompleted', person: s.person ?? person, course: 'business', mode: 'centralized', date: '2019-04-20' };
      signer = s.by;
    }
    const body = encodeEvent(event);
    const message = Buffer.concat([Buffer.from(`probity/event/v2\n${ORIGIN}\n`), body]);
    const signature = crypto.sign(null, message, keys[signer]);
    if (s.badSignature) signature[0] ^= 1;
    time += 1000000n;
    const bytes = entryBytes(seq, time, body, sha(rawPublic(keys[signer])), signature);
    const as = event.type === 'keyRegistered' ? 'key' : event.type === 'keyRevoked' ? 'revocation' : 'record';
    entries.push({ seq, as, bytes, event });
  });
  const leaves = entries.map((e) => sha([0], e.bytes));
  const root = mth(leaves);
  const text = `${ORIGIN}\n${entries.length}\n${root.toString('base64')}\n`;
  const logKey = crypto.generateKeyPairSync('ed25519').privateKey;
  const logId = sha(ORIGIN, [0x0a, 0x01], rawPublic(logKey)).subarray(0, 4);
  let note = `${text}\n\u2014 ${ORIGIN} ${Buffer.concat([logId, crypto.sign(null, Buffer.from(text), logKey)]).toString('base64')}\n`;
  const witnessVkeys = [];
  ['w1.test', 'w2.test'].forEach((name, i) => {
    const wk = crypto.generateKeyPairSync('ed25519').privateKey;
    const id = sha(name, [0x0a, 0x04], rawPublic(wk)).subarray(0, 4);
    witnessVkeys.push(`${name}+${id.toString('hex')}+${Buffer.concat([Buffer.from([4]), rawPublic(wk)]).toString('base64')}`);
    if (i > 0) return;
    const stamp = Buffer.alloc(8);
    stamp.writeBigUInt64BE(1621159202n);
    const sig = crypto.sign(null, Buffer.from(`cosignature/v1\ntime 1621159202\n${text}`), wk);
    note += `\u2014 ${name} ${Buffer.concat([id, stamp, sig]).toString('base64')}\n`;
  });
  const vkey = `${ORIGIN}+${logId.toString('hex')}+${Buffer.concat([Buffer.from([1]), rawPublic(logKey)]).toString('base64')}`;
  const pack = {
    format: 'probity-evidence/v1', origin: ORIGIN, vkey, person, asOf: {}, checkpoint: note, witnesses: [],
    entries: entries.map((e, i) => ({ seq: e.seq, as: e.as, entry: e.bytes.toString('base64'),
                                      proof: path9162(i, leaves).map((h) => h.toString('hex')), event: e.event })),
  };
  return { pack, vkey, witnessVkeys, keys };
}

const GOOD = [{ type: 'genesis' }, { type: 'key', name: 'hr', role: 'hr', by: 'admin' },
              { type: 'person', by: 'hr' }, { type: 'key', name: 'd1', role: 'dispatcher', unit: 'U1', by: 'admin' },
              { type: 'training', by: 'd1' }];

test('a log built here verifies, with its witnesses: cosigned, quorum met or not', async () => {
  const { pack, witnessVkeys } = synthLog(GOOD);
  const r = await verifyPack(pack);
  assert.deepEqual(r.records.map((x) => [x.seq, x.type, x.signer.holder]), [[2, 'personRegistered', 'hr'], [4, 'trainingCompleted', 'd1']]);
  assert.deepEqual([r.witnesses.checked, r.witnesses.lines], [false, 1]);
  const one = await verifyPack(pack, { witnesses: witnessVkeys.slice(0, 1) });
  assert.deepEqual([one.witnesses.checked, one.witnesses.cosigned.length, one.witnesses.quorum], [true, 1, 1]);
  assert.equal(one.witnesses.cosigned[0].time, 1621159202);
  await refused(verifyPack(pack, { witnesses: witnessVkeys }), 2, null, /1 of 2 witnesses cosigned the checkpoint, the quorum is 2/);
  assert.equal((await verifyPack(pack, { witnesses: witnessVkeys, quorum: 1 })).witnesses.cosigned.length, 1);
  // A witness given as a plain note key (type 0x01) counts as its cosigner key.
  const [name, , ...rest] = witnessVkeys[0].split('+');
  const raw = Buffer.from(rest.join('+'), 'base64').subarray(1);
  const plain = `${name}+${sha(name, [0x0a, 0x01], raw).subarray(0, 4).toString('hex')}+${Buffer.concat([Buffer.from([1]), raw]).toString('base64')}`;
  assert.equal((await verifyPack(pack, { witnesses: [plain] })).witnesses.cosigned.length, 1);
  // A forged cosignature line under a given witness's name and key id fails.
  const forged = structuredClone(pack);
  forged.checkpoint = forged.checkpoint.replace(/(\u2014 w1\.test \S{20})(\S)/, (m, a, c) => a + (c === 'A' ? 'B' : 'A'));
  await refused(verifyPack(forged, { witnesses: witnessVkeys.slice(0, 1) }), 2, null, /the cosignature line of witness w1\.test/);
  await refused(verifyPack(pack, { quorum: 1, witnesses: ['not a key'] }), 2, null, /not a verifier key/);
  await refused(verifyPack(pack, { vkey: witnessVkeys[0] }), 2, null, /cosigner key/);
});

test('check 4 on a log built here: a bad signature, a non-admin registrar, a signer revoked before it signed', async () => {
  const bad = synthLog([...GOOD.slice(0, 4), { type: 'training', by: 'd1', badSignature: true }]);
  await refused(verifyPack(bad.pack), 4, 4, /the signature does not verify with key [0-9a-f]{64} \(registered at seq 3\)/);
  const hrRegisters = synthLog([...GOOD.slice(0, 3), { type: 'key', name: 'd1', role: 'dispatcher', unit: 'U1', by: 'hr' },
                                { type: 'training', by: 'd1' }]);
  await refused(verifyPack(hrRegisters.pack), 4, 3, /the key registration is signed by hr, of role hr, not admin/);
  const revoked = synthLog([...GOOD, { type: 'revoke', name: 'd1', by: 'admin' }, { type: 'training', by: 'd1' }]);
  await refused(verifyPack(revoked.pack), 4, 6, /signed by key [0-9a-f]{64}, revoked at seq 5/);
  const revokedLater = synthLog([...GOOD, { type: 'revoke', name: 'd1', by: 'admin' }]);
  const r = await verifyPack(revokedLater.pack);
  assert.deepEqual(r.keys.map((k) => [k.holder, k.revokedAt]), [['ledger administrator', null], ['hr', null], ['d1', 5]]);
  const notGenesis = synthLog(GOOD);
  notGenesis.pack.entries[0].event.role = 'hr';  // shown, not signed: check 6 would say so; check 4 reads the body
  await refused(verifyPack(notGenesis.pack), 6, 0, /role: shown hr, signed admin/);
  const forOther = synthLog([...GOOD, { type: 'training', by: 'd1', person: 'P2' }]);
  await refused(verifyPack(forOther.pack), 5, 5, /a trainingCompleted about P2, not P1/);
});

test('bodies must be canonical v2 events: re-encoding every vector gives its bytes; anything else is refused', () => {
  const vectors = JSON.parse(fs.readFileSync(path.join(ep.root, 'tests/web/event_vectors.json'), 'utf8'));
  for (const e of vectors.envelopes) {
    const body = v.b64decode(e.body);
    assert.deepEqual(decodeCanonicalEvent(body), e.event, e.event.type);
    assert.deepEqual(encodeEvent(e.event), body, e.event.type);
  }
  // A stray bit in leaveGranted's data word (days bits 0-31, kind 32-47; 48-63 unused):
  // it decodes, and does not re-encode to itself.
  const stray = Uint8Array.from(v.b64decode(vectors.envelopes.find((e) => e.event.type === 'leaveGranted').body));
  const member = 3 + 1 + ((new DataView(stray.buffer).getUint32(24, true) | 0) >> 2);  // the member struct's word
  assert.equal(new DataView(stray.buffer).getUint16(28, true), 1, 'leaveGranted has one data word');
  stray[member * 8 + 7] = 1;
  assert.equal(decodeCanonicalEvent(Uint8Array.from(v.b64decode(vectors.envelopes.find((e) => e.event.type === 'leaveGranted').body))).type, 'leaveGranted');
  assert.throws(() => decodeCanonicalEvent(stray), /does not re-encode to itself/);
  // A pointer section one longer than the schema's (an unknown field): likewise.
  const body = v.b64decode(vectors.envelopes.find((e) => e.event.type === 'assignmentMade').body);
  assert.throws(() => decodeCanonicalEvent(concat(body, new Uint8Array(8))), v.VerifyError);
  // No id; an unknown enumerant; a text that is not a date; an empty text.
  const event = structuredClone(vectors.envelopes.find((e) => e.event.type === 'assignmentMade').event);
  assert.throws(() => encodeEvent({ ...event, id: undefined }), /id/);
  assert.throws(() => encodeEvent({ ...event, position: 'chief' }), /position' holds "chief", not a Position/);
  assert.throws(() => encodeEvent({ ...event, from: '2019-02-30' }), /from' is not a calendar date/);
  assert.throws(() => encodeEvent({ ...event, group: '' }), /group' is empty/);
  assert.throws(() => encodeEvent({ ...event, group: 'G\u200b1' }), /zero-width/);
  const noId = (() => {
    const copy = structuredClone(event);
    delete copy.id;
    return copy;
  })();
  assert.throws(() => encodeEvent(noId), /the event has no id/);
});
