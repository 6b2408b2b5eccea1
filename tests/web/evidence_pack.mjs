// Evidence packs (docs/formats.md §12) for the tests: a small store (make_store.sh) whose
// checkpoint a witness cosigned, the exporter's output (`probity evidence`), a pack
// assembled here from `record`, `log`, `show`, `prove inclusion` and `checkpoint` as §12
// says (to hold the exporter to the spec), and tampered copies. Shared by
// tests/web/evidence_test.mjs and tests/web/evidence_browser_test.mjs.

import { execFileSync, spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
export const root = path.resolve(here, '../..');
export const jsDir = path.join(root, 'web/assets/js');

// The probity binary: --probity PATH, else $PROBITY, else build/probity.
export function probityPath(argv = process.argv) {
  const i = argv.indexOf('--probity');
  return path.resolve(i >= 0 ? argv[i + 1] : process.env.PROBITY || path.join(root, 'build/probity'));
}

// Builds the test store in `dir` (DIR/store, DIR/keys); returns the store's path.
export function makeStore(probity, dir) {
  execFileSync('bash', [path.join(here, 'make_store.sh'), probity, dir], { stdio: ['ignore', 'ignore', 'inherit'] });
  return path.join(dir, 'store');
}

// The standard output of `file args`, as text.
export const execText = (file, args) => execFileSync(file, args, { encoding: 'utf8', maxBuffer: 1 << 28 });

// A witness (DIR/witness.pem, its state in DIR/witness) cosigns the store's latest
// checkpoint, and the store keeps the line; returns the witness's cosigner vkey.
export function cosign(probity, data, dir) {
  const key = path.join(dir, 'witness.pem');
  execText(probity, ['keygen', key, '--quiet']);
  const vkey = execText(probity, ['--data', data, 'checkpoint', '--vkey']).trim();
  const out = execFileSync(probity, ['witness', 'init', '--key', key, '--log-vkey', vkey, '--state', path.join(dir, 'witness'),
                                     '--name', 'witness.probity.test'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  const request = execFileSync(probity, ['--data', data, 'checkpoint', '--witness-request', '--old', '0']);
  const note = execFileSync(probity, ['witness', 'add-checkpoint', '--key', key, '--state', path.join(dir, 'witness')],
                            { input: request, stdio: ['pipe', 'pipe', 'pipe'] });
  execFileSync(probity, ['--data', data, 'cosign', '-'], { input: note, stdio: ['pipe', 'pipe', 'pipe'] });
  return out.trim().split('\n').pop();
}

// Whether this probity has the `evidence` command.
const exporters = new Map();
export function hasExporter(probity) {
  if (!exporters.has(probity)) {
    const r = spawnSync(probity, ['evidence', '--help'], { encoding: 'utf8' });
    exporters.set(probity, r.status !== null && !/unknown command/.test(`${r.stdout}${r.stderr}`));
  }
  return exporters.get(probity);
}

// Runs `probity --data DATA evidence PERSON ARGS -o FILE`; returns the file's text. Throws
// when this probity has no exporter.
export function exportPack(probity, data, person, file, args = []) {
  if (!hasExporter(probity)) throw new Error(`${probity} has no "evidence" command`);
  execFileSync(probity, ['--data', data, 'evidence', person, ...args, '-o', file], { stdio: ['ignore', 'pipe', 'pipe'] });
  return fs.readFileSync(file, 'utf8');
}

// ---- a pack assembled from the command line, as §12 describes it -------------------------------

const SPKI = Buffer.from('302a300506032b6570032100', 'hex');
function keyIdOfPem(pem) {
  const der = crypto.createPublicKey(pem).export({ type: 'spki', format: 'der' });
  if (!der.subarray(0, 12).equals(SPKI)) throw new Error('not an Ed25519 key');
  return crypto.createHash('sha256').update(der.subarray(12)).digest('hex');
}

// The pack of `person` (asOf: {} or { seq }), every `<` of its JSON still raw.
export function assemblePack(probity, data, person, { includeSensitive = false, asOf = {} } = {}) {
  const run = (...args) => execFileSync(probity, ['--data', data, ...args], { encoding: 'utf8', maxBuffer: 1 << 28 });
  const checkpoint = run('checkpoint');
  const size = Number(checkpoint.split('\n')[1]);
  const log = run('log', '--json').trim().split('\n').map((l) => JSON.parse(l)).filter((e) => e.seq < size);
  const recordArgs = asOf.seq !== undefined ? ['--as-of-seq', String(asOf.seq)] : asOf.date ? ['--as-of', asOf.date] : [];
  const record = JSON.parse(run('record', person, '--json', ...recordArgs));
  const as = new Map(record.events.map((l) => [l.seq, 'record']));
  const registrations = new Map();  // key id -> [seq]
  for (const e of log) {
    if (e.event.type === 'keyRegistered') {
      const id = keyIdOfPem(e.event.publicKey);
      registrations.set(id, [...(registrations.get(id) ?? []), e.seq]);
    }
  }
  // Each signer's registration, and its signer's, down to seq 0.
  const signers = new Set();
  const queue = [...as.keys()];
  while (queue.length) {
    const seq = queue.shift();
    const keyId = log[seq].keyId;
    signers.add(keyId);
    const reg = (registrations.get(keyId) ?? []).filter((s) => s < seq || (seq === 0 && s === 0)).pop();
    if (reg === undefined) throw new Error(`no registration of ${keyId} before ${seq}`);
    if (!as.has(reg)) {
      as.set(reg, 'key');
      queue.push(reg);
    }
  }
  for (const e of log) {
    if (e.event.type === 'keyRevoked' && signers.has(e.event.keyId) && !as.has(e.seq)) as.set(e.seq, 'revocation');
  }
  const entries = [...as.keys()].sort((a, b) => a - b).map((seq) => {
    const shown = JSON.parse(run('show', String(seq), '--json', ...(includeSensitive ? ['--include-sensitive'] : [])));
    const proof = JSON.parse(run('prove', 'inclusion', String(seq), '--size', String(size), '--json'));
    const entry = { seq, as: as.get(seq), entry: shown.entry, proof: proof.hashes, event: shown.event };
    if (shown.sealed) entry.sealed = shown.sealed;
    return entry;
  });
  return {
    format: 'probity-evidence/v1', origin: checkpoint.split('\n')[0], vkey: run('checkpoint', '--vkey').trim(),
    person, asOf, checkpoint, witnesses: [], entries,
  };
}

// The JSON text as the exporter writes it into a page: every "<" as \u003c.
export const packJson = (pack) => JSON.stringify(pack).replace(/</g, '\\u003c');

// ---- tampering ---------------------------------------------------------------------------------

// A copy of `pack` with one base64 character of entry `seq`'s bytes changed, inside the
// event body (byte 56 on, formats.md §4), so that the bytes still decode as base64.
export function flipEntryByte(pack, seq, at = 120) {
  const copy = structuredClone(pack);
  const e = copy.entries.find((x) => x.seq === seq);
  const bytes = Buffer.from(e.entry, 'base64');
  bytes[at] ^= 0x01;
  e.entry = bytes.toString('base64');
  return copy;
}

// The JSON inside a page, replaced by `pack` (the rest of the page as it was).
export function replacePackInPage(page, pack) {
  const open = '<script type="application/json" id="probity-evidence">';
  const start = page.indexOf(open) + open.length;
  const end = page.indexOf('</script>', start);
  return page.slice(0, start) + packJson(pack) + page.slice(end);
}

// The pack inside a page (or a JSON file's text).
export function packOf(text) {
  if (/^\s*\{/.test(text)) return JSON.parse(text);
  const open = '<script type="application/json" id="probity-evidence">';
  const start = text.indexOf(open) + open.length;
  return JSON.parse(text.slice(start, text.indexOf('</script>', start)));
}
