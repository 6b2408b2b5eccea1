#!/usr/bin/env node
// Evidence packs (docs/formats.md §12) in a real browser: Debian's headless Chromium over
// the DevTools pipe (tests/web/cdp.mjs). (a) A pack page opened from disk (file://) checks
// itself: the verdict says verified, every record line is marked checked, and the language
// toggle switches the page; (b) a copy with one byte of an entry changed, one with a
// shown field changed, pages that hold two elements of the evidence id or a raw "<" in
// its JSON, and pages whose record lines do not say what the pack's record entries say
// (a line missing, twice, or without or with another data-type, data-date, data-field,
// data-value or withdrawal; a row that is no line), each say NOT VERIFIED naming the seq;
// (c) the web interface's Evidence page (`probity serve`, signed out) checks the pack
// picked in its file input, with the pack's vkey, the user's, the one this browser
// pinned, and a wrong one, each said as such. No page may make a network request
// while it checks, and none may report a CSP violation or an uncaught error. Screenshots.
//
//   node tests/web/evidence_browser_test.mjs --probity build/probity [--screenshots DIR]
//        [--chromium /usr/bin/chromium] [--keep]
// Exit 0 when every step passed; 1 naming the step that failed. Bounded: 150 s.

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

import {
  evaluate as cdpEvaluate, harness, load as loadPage, openTab, parseArgs, poll, screenshot as capture, setFiles, startChromium,
  startServer,
} from './cdp.mjs';
import * as ep from './evidence_pack.mjs';

const opts = parseArgs(process.argv.slice(2), {
  usage: 'evidence_browser_test.mjs --probity PATH [--screenshots DIR] [--chromium PATH] [--keep]',
  screenshots: path.join(ep.root, 'build/web-screenshots-evidence'),
});

const work = fs.mkdtempSync(path.join(os.tmpdir(), 'probity-evidence-web-'));
const h = harness('evidence_browser_test', { work, keep: opts.keep });
const { step, fail, assert, problems } = h;

// ---- the packs -------------------------------------------------------------------------------

step('make the store and the packs');
if (!fs.existsSync(opts.chromium)) fail(`no Chromium at ${opts.chromium} (apt-get install chromium)`);
if (!ep.hasExporter(opts.probity)) fail(`${opts.probity} has no "evidence" command`);
const store = ep.makeStore(opts.probity, work);
const witness = ep.cosign(opts.probity, store, work);
// P3's record holds a commendation withdrawn by a retraction; P2's a sealed reason.
function pagePack(person, args = []) {
  const file = path.join(work, `${person}${args.length ? '-s' : ''}.html`);
  const text = ep.exportPack(opts.probity, store, person, file, ['--lang', 'zh', ...args]);
  return { file, text, pack: ep.packOf(text) };
}
const p3 = pagePack('P3');
const p2 = pagePack('P2', ['--include-sensitive']);
const records = p3.pack.entries.filter((e) => e.as === 'record');
const size = Number(p3.pack.checkpoint.split('\n')[1]);
const vkey = ep.execText(opts.probity, ['--data', store, 'checkpoint', '--vkey']).trim();

// Tampered copies: one byte of the commendation's entry; the assignment's shown group.
const commendation = records.find((e) => e.event.type === 'commendationIssued');
const byteFile = path.join(work, 'P3-byte.html');
fs.writeFileSync(byteFile, ep.replacePackInPage(p3.text, ep.flipEntryByte(p3.pack, commendation.seq)));
const assignment = records.find((e) => e.event.type === 'assignmentMade');
const fieldFile = path.join(work, 'P3-field.html');
{
  const changed = structuredClone(p3.pack);
  changed.entries.find((e) => e.seq === assignment.seq).event.group = 'G2';
  fs.writeFileSync(fieldFile, ep.replacePackInPage(p3.text, changed));
}
// A static line that says another type than its signed entry (data-type), and a line of
// a seq the pack does not hold: the JSON is intact, the page around it is not.
const first = records[0];
const lineFile = path.join(work, 'P3-line.html');
fs.writeFileSync(lineFile, p3.text.replace(`data-seq="${first.seq}"`, `data-seq="${first.seq}" data-type="leaveGranted"`)
                                  .replace(`data-seq="${records[1].seq}"`, 'data-seq="3"'));
// One page, one pack: an element of the evidence id before the pack's script, holding
// the genuine pack while the script holds the tampered one (the page's script read the
// first before), and a raw "<" in the pack's JSON.
const twoFile = path.join(work, 'P3-two.html');
fs.writeFileSync(twoFile, fs.readFileSync(byteFile, 'utf8')
    .replace('<main>', `<main>\n<div id="probity-evidence" hidden>${ep.packJson(p3.pack)}</div>`));
const rawFile = path.join(work, 'P3-raw.html');
fs.writeFileSync(rawFile, p3.text.replace(`"person":"${p3.pack.person}"`, `"person":"${p3.pack.person}<"`));
// Lines against the pack's record entries: one removed; one without data-type; one
// without a field's data-field; one field's data-value removed.
const lineOf = (seq) => new RegExp(`<tr class="line[^"]*" data-seq="${seq}"[^\n]*\n`);
const [second, third, fourth] = [records[1], records[2], records[3]];
const lineFiles = {
  removed: [second.seq, p3.text.replace(lineOf(second.seq), '')],
  noType: [third.seq, p3.text.replace(new RegExp(`(data-seq="${third.seq}") data-type="[^"]*"`), '$1')],
  noField: [fourth.seq, p3.text.replace(lineOf(fourth.seq), (line) => line.replace(/ data-field="[^"]*"/, ''))],
  noValue: [first.seq, p3.text.replace(lineOf(first.seq), (line) => line.replace(/ data-value="[^"]*"/, ''))],
};
// And: a line's data-value or data-date changed; a field the event does not have added
// to a line; the withdrawn commendation's line not marked withdrawn, or without the
// withdrawal row after it; one line shown twice.
const withdrawalRow = /<tr class="withdrawal">[^\n]*\n/;
Object.assign(lineFiles, {
  value: [second.seq, p3.text.replace(lineOf(second.seq), (line) => line.replace(/ data-value="[^"]*"/, ' data-value="X"'))],
  date: [third.seq, p3.text.replace(new RegExp(`(data-seq="${third.seq}"[^>]*) data-date="[^"]*"`), '$1 data-date="2018-01-01"')],
  extraField: [fourth.seq, p3.text.replace(lineOf(fourth.seq), (line) => line.replace('<td class="details">',
      '<td class="details"><span class="field" data-field="note" data-value="x">note: x</span> '))],
  unwithdrawn: [commendation.seq, p3.text.replace('<tr class="line withdrawn"', '<tr class="line"')],
  noWithdrawal: [commendation.seq, p3.text.replace(withdrawalRow, '')],
  twice: [first.seq, p3.text.replace(lineOf(first.seq), (line) => line + line)],
});
// And the words people read, changed while every data attribute is kept: a field's value,
// the date cell, the event type's label (in one language only), the signer's name, a
// sentence added to the details, the withdrawal's reason.
const changedWords = (seq, from, to) => p3.text.replace(lineOf(seq), (line) => line.replace(from, to));
Object.assign(lineFiles, {
  wordsValue: [second.seq, changedWords(second.seq, /(<\/span>: )([^<]+)(<\/span>)/, '$1FORGED$3')],
  wordsDate: [third.seq, changedWords(third.seq, /<td class="date">[^<]*<\/td>/, '<td class="date">2018-01-01</td>')],
  wordsType: [fourth.seq, changedWords(fourth.seq, /(<td class="type">(?:<span lang="zh-CN">)?)[^<]+/, '$1记大过')],
  wordsSigner: [first.seq, changedWords(first.seq, /(<td class="signer"><code>[^<]*<\/code> )[^<(]+/, '$1Mallory ')],
  wordsAdded: [second.seq, changedWords(second.seq, '<td class="details">', '<td class="details">已开除。 ')],
  wordsReason: [commendation.seq, p3.text.replace(withdrawalRow, (row) => row.replace(/\(([^)]*)\)<\/span>/, '(FORGED)</span>'))],
});
for (const [name, [seq, text]] of Object.entries(lineFiles)) {
  if (text === p3.text) fail(`the page of ${name} (seq ${seq}) is not changed`);
  fs.writeFileSync(path.join(work, `P3-${name}.html`), text);
}
// Rows of the record table that are no line of a record entry: one without data-seq, and
// a second withdrawal row.
const strayFiles = {
  row: p3.text.replace(lineOf(second.seq), (line) => `${line}<tr><td class="seq">99</td><td class="date">2019-01-01</td><td>记大功</td></tr>\n`),
  withdrawal: p3.text.replace(withdrawalRow, (row) => row + row),
};
for (const [name, text] of Object.entries(strayFiles)) {
  if (text === p3.text) fail(`the page of stray ${name} is not changed`);
  fs.writeFileSync(path.join(work, `P3-stray-${name}.html`), text);
}
// P2's sealed reason, disclosed: its field carries no data-value; one that is the value
// the pack shows is fine, another is not.
const restriction = p2.pack.entries.find((e) => e.event.type === 'restrictionRecorded');
const sealedField = '<span class="field" data-field="reason">';
if (!p2.text.includes(sealedField)) fail('P2\'s sealed reason carries a data-value');
const sealedFiles = {
  same: p2.text.replace(sealedField, `<span class="field" data-field="reason" data-value="${restriction.sealed[0].value}">`),
  other: p2.text.replace(sealedField, '<span class="field" data-field="reason" data-value="health">'),
};
for (const [name, text] of Object.entries(sealedFiles)) fs.writeFileSync(path.join(work, `P2-sealed-${name}.html`), text);
// A record with no entry (P1 as of seq 1): the page says so in its one row, and a line
// added to it is no record entry.
const emptyFile = path.join(work, 'P1-empty.html');
const emptyText = ep.exportPack(opts.probity, store, 'P1', emptyFile, ['--lang', 'zh', '--as-of-seq', '1']);
if (ep.packOf(emptyText).entries.length !== 0) fail('P1 as of seq 1 has entries');
const emptyLineFile = path.join(work, 'P1-empty-line.html');
fs.writeFileSync(emptyLineFile, emptyText.replace(/<tr><td colspan="5">/, '<tr class="line" data-seq="0" data-type="personRegistered" data-date="2019-04-16"><td>0</td></tr>\n$&'));
const jsonFile = path.join(work, 'P3.json');
fs.writeFileSync(jsonFile, JSON.stringify(p3.pack));

// ---- Chromium ------------------------------------------------------------------------------------

step('start Chromium');
const { cdp } = startChromium(h, opts.chromium, path.join(work, 'profile'));
const tab = await openTab(cdp, problems);
const { page } = tab;
await page('Network.enable');
const requests = [];  // every URL the tab asked for
cdp.on((m) => {
  if (m.sessionId === tab.sessionId && m.method === 'Network.requestWillBeSent') requests.push(m.params.request.url);
});

const evaluate = (expression) => cdpEvaluate(page, expression);
async function waitFor(expression, what, timeout = 20000) {
  const { ok, value, last } = await poll(page, expression, timeout);
  if (ok) return value;
  const shown = await evaluate('document.body?.innerText?.slice(0, 800)').catch(() => '');
  return fail(`timed out waiting for ${what} (last: ${JSON.stringify(last)}); the page shows: ${shown}`);
}
const text = (selector) => evaluate(`document.querySelector(${JSON.stringify(selector)})?.innerText ?? null`);
const click = (selector) => evaluate(`document.querySelector(${JSON.stringify(selector)}).click()`);
async function load(url) {
  assert(await loadPage(cdp, tab, url), `${url}: no load event`);
}
fs.mkdirSync(opts.screenshots, { recursive: true });
for (const f of fs.readdirSync(opts.screenshots)) if (f.endsWith('.png')) fs.rmSync(path.join(opts.screenshots, f));
const shots = [];
const screenshot = async (name) => shots.push(await capture(page, path.join(opts.screenshots, `${name}.png`)));
await page('Emulation.setDeviceMetricsOverride', { width: 1280, height: 900, deviceScaleFactor: 1, mobile: false });

// Opens a pack page from disk; returns { state, verdict } once its script has spoken.
async function openPackFile(file) {
  const url = pathToFileURL(file).href;
  requests.length = 0;
  await load(url);
  const state = await waitFor('["verified","failed"].find((c) => document.getElementById("verdict")?.classList.contains(c))',
                              `the verdict of ${path.basename(file)}`);
  const others = requests.filter((u) => u !== url);
  assert(others.length === 0, `${path.basename(file)} made requests: ${others.join(', ')}`);
  return { state, verdict: await text('#verdict') };
}
const lineClasses = () => evaluate('[...document.querySelectorAll("[data-seq]")].map((el) => [el.dataset.seq, el.closest("#record") ? "record" : "other", el.className])');

// ---- (a) the pack page, from disk -------------------------------------------------------------------

step('a pack page opened from disk verifies itself');
{
  const { state, verdict } = await openPackFile(p3.file);
  assert(state === 'verified', `the verdict: ${verdict}`);
  assert(await evaluate('document.documentElement.lang') === 'zh-CN', 'the page is not in Chinese first');
  assert(verdict.includes('已离线核验') && !verdict.includes('Verified offline'), `the Chinese verdict: ${verdict}`);
  assert(verdict.includes(p3.pack.origin) && verdict.includes(String(size)), `origin and size not in the verdict: ${verdict}`);
  assert(verdict.includes(vkey.split('+')[1]), `the key id is not in the verdict: ${verdict}`);
  assert(verdict.includes('1 行联署,未核验'), `the cosignature line is not counted: ${verdict}`);
  const lines = await lineClasses();
  const recordLines = lines.filter(([, where]) => where === 'record');
  assert(recordLines.length === records.length, `${recordLines.length} record lines for ${records.length} record entries`);
  assert(lines.every(([, , c]) => /\bok\b/.test(c) && !/\bbad\b/.test(c)), `lines not all ok: ${JSON.stringify(lines)}`);
  await screenshot('evidence-01-page-zh');
}

step('the language toggle');
{
  await click('#lang-toggle');
  await waitFor('document.documentElement.lang === "en"', 'English');
  const verdict = await text('#verdict');
  assert(verdict.includes('Verified offline') && !verdict.includes('已离线核验'), `the English verdict: ${verdict}`);
  assert(verdict.includes('taken from this file'), `the verdict does not say the key came from the file: ${verdict}`);
  await screenshot('evidence-02-page-en');
  await click('#lang-toggle');
  await waitFor('document.documentElement.lang === "zh-CN"', 'Chinese again');
}

step('a pack with a sealed value disclosed verifies itself');
{
  const { state, verdict } = await openPackFile(p2.file);
  assert(state === 'verified', `P2 with its sealed reason: ${verdict}`);
}

// ---- (b) tampered pages -------------------------------------------------------------------------------

step('one byte of an entry changed: NOT VERIFIED, naming the seq');
{
  const { state, verdict } = await openPackFile(byteFile);
  assert(state === 'failed', `a changed byte passed: ${verdict}`);
  assert(verdict.includes(`seq ${commendation.seq}: check 3`), `the verdict does not name seq ${commendation.seq}: ${verdict}`);
  const lines = await lineClasses();
  for (const [seq, , c] of lines) {
    assert(/\bbad\b/.test(c) === (seq === String(commendation.seq)), `seq ${seq}: ${c}`);
    assert(!/\bok\b/.test(c), `seq ${seq} marked ok in a pack that failed`);
  }
  await screenshot('evidence-03-page-byte-changed');
}

step('a shown field changed: NOT VERIFIED, naming the seq and the field');
{
  const { state, verdict } = await openPackFile(fieldFile);
  assert(state === 'failed', `a changed field passed: ${verdict}`);
  assert(verdict.includes(`seq ${assignment.seq}: check 6`) && verdict.includes('group: shown G2, signed G1'),
         `the verdict does not name seq ${assignment.seq} and the field: ${verdict}`);
  assert(await evaluate(`document.querySelector('#record [data-seq="${assignment.seq}"]').classList.contains('bad')`),
         'the changed line is not marked bad');
  await click('#lang-toggle');
  await waitFor('document.documentElement.lang === "en"', 'English');
  assert((await text('#verdict')).startsWith('NOT VERIFIED'), `the English verdict: ${await text('#verdict')}`);
  await screenshot('evidence-04-page-field-changed-en');
}

step('static lines the pack does not back: NOT VERIFIED, naming them');
{
  const { state, verdict } = await openPackFile(lineFile);
  assert(state === 'failed', `static lines not backed passed: ${verdict}`);
  assert(verdict.includes(`序号 ${first.seq} `) && verdict.includes('序号 3 '), `the verdict does not name the lines: ${verdict}`);
  const bad = (await lineClasses()).filter(([, , c]) => /\bbad\b/.test(c)).map(([seq]) => seq).sort((a, b) => a - b);
  assert(JSON.stringify(bad) === JSON.stringify(['3', String(first.seq)].sort((a, b) => a - b)), `lines marked bad: ${bad}`);
}

step('two elements of the evidence id: NOT VERIFIED, the page holds no one pack');
{
  assert(ep.packOf(fs.readFileSync(twoFile, 'utf8')).entries.length === p3.pack.entries.length, 'the two-element page');
  const { state, verdict } = await openPackFile(twoFile);
  assert(state === 'failed', `a page with two elements of the evidence id passed: ${verdict}`);
  assert(verdict.includes('此文件不是证据包') && verdict.includes('2 elements of id probity-evidence'), `the verdict: ${verdict}`);
}

step('a raw "<" in the pack\'s element: NOT VERIFIED, as parsePackText refuses it');
{
  const { state, verdict } = await openPackFile(rawFile);
  assert(state === 'failed', `a raw "<" passed: ${verdict}`);
  assert(verdict.includes('raw "<"'), `the verdict: ${verdict}`);
}

step('lines that do not say what the record entries say (none, twice, or another or no data-type, data-date, data-field, data-value, withdrawn mark or withdrawal row, or other words in a cell with the data kept): NOT VERIFIED, naming the seq');
for (const [name, [seq]] of Object.entries(lineFiles)) {
  const { state, verdict } = await openPackFile(path.join(work, `P3-${name}.html`));
  assert(state === 'failed', `${name}: passed: ${verdict}`);
  assert(verdict.includes(`序号 ${seq} `), `${name}: the verdict does not name seq ${seq}: ${verdict}`);
  const lines = await lineClasses();
  const bad = lines.filter(([, , c]) => /\bbad\b/.test(c)).map(([s]) => s);
  if (name === 'removed') {
    assert(verdict.includes('页面上没有对应的一行'), `removed: the verdict does not say the line is missing: ${verdict}`);
    assert(bad.length === 0 && lines.length === records.length - 1, `removed: lines ${JSON.stringify(lines)}`);
  } else if (name === 'twice') {
    assert(JSON.stringify(bad) === JSON.stringify([String(seq), String(seq)]), `twice: lines marked bad: ${bad}`);
    assert(lines.length === records.length + 1, `twice: lines ${JSON.stringify(lines)}`);
  } else {
    assert(JSON.stringify(bad) === JSON.stringify([String(seq)]), `${name}: lines marked bad: ${bad}`);
  }
  assert(lines.filter(([, , c]) => /\bok\b/.test(c)).length === lines.length - bad.length, `${name}: lines ${JSON.stringify(lines)}`);
}

step('rows of the record table that are no line of a record entry: NOT VERIFIED, saying how many');
for (const name of Object.keys(strayFiles)) {
  const { state, verdict } = await openPackFile(path.join(work, `P3-stray-${name}.html`));
  assert(state === 'failed', `stray ${name}: passed: ${verdict}`);
  assert(verdict.includes('记录表中有 1 行不是包内任何记录条目的一行'), `stray ${name}: the verdict: ${verdict}`);
  const badRows = await evaluate('[...document.querySelectorAll("#record tr.bad")].map((tr) => tr.dataset.seq ?? tr.className)');
  assert(badRows.length === 1 && badRows[0] !== undefined && !/^\d+$/.test(badRows[0]), `stray ${name}: rows marked bad: ${JSON.stringify(badRows)}`);
  assert((await lineClasses()).every(([, , c]) => /\bok\b/.test(c)), `stray ${name}: the lines are not all ok`);
}

step('a record with no entry verifies, its one row saying so; a line added to it is NOT VERIFIED');
{
  const empty = await openPackFile(emptyFile);
  assert(empty.state === 'verified', `the empty record: ${empty.verdict}`);
  const added = await openPackFile(emptyLineFile);
  assert(added.state === 'failed' && added.verdict.includes('序号 0 ') && added.verdict.includes('记录表中有 1 行'),
         `a line added to the empty record: ${added.verdict}`);
}

step('a sealed field\'s data-value: none, or the value the pack shows; another is NOT VERIFIED');
{
  const same = await openPackFile(path.join(work, 'P2-sealed-same.html'));
  assert(same.state === 'verified', `the sealed field with its disclosed value: ${same.verdict}`);
  const other = await openPackFile(path.join(work, 'P2-sealed-other.html'));
  assert(other.state === 'failed' && other.verdict.includes(`序号 ${restriction.seq} `), `the sealed field with another value: ${other.verdict}`);
  const bad = (await lineClasses()).filter(([, , c]) => /\bbad\b/.test(c)).map(([s]) => s);
  assert(JSON.stringify(bad) === JSON.stringify([String(restriction.seq)]), `lines marked bad: ${bad}`);
}

// ---- (c) the web interface's Evidence page ------------------------------------------------------------

step('start the server');
const base = await startServer(h, opts.probity, store);

// Picks `file` in the Evidence page's file input; returns the verdict's state.
async function pick(file, what) {
  await evaluate('document.getElementById("evidence-status").replaceChildren()');
  requests.length = 0;
  await setFiles(page, '#evidence-file', [file]);
  const state = await waitFor('document.getElementById("evidence-verdict")?.dataset.state', what);
  assert(requests.length === 0, `checking ${path.basename(file)} made requests: ${requests.join(', ')}`);
  return state;
}
async function recheck(what) {
  await evaluate('document.getElementById("evidence-status").replaceChildren()');
  requests.length = 0;
  await click('#evidence-check');
  const state = await waitFor('document.getElementById("evidence-verdict")?.dataset.state', what);
  assert(requests.length === 0, `checking again made requests: ${requests.join(', ')}`);
  return state;
}
const setValue = (selector, value) =>
  evaluate(`(() => { const el = document.querySelector(${JSON.stringify(selector)}); el.value = ${JSON.stringify(value)}; })()`);

step('the Evidence page, signed out, checks a pack file');
{
  await load(`${base}/#/evidence`);
  await waitFor('!!document.getElementById("evidence-file")', 'the Evidence page');
  assert(!(await evaluate('!!document.getElementById("who")')), 'signed in?');
  assert(await evaluate('!!document.getElementById("nav-evidence")'), 'no nav entry for the Evidence page');
  assert(!(await evaluate('!!document.getElementById("evidence-use-pinned")')), 'a pinned vkey offered before this browser pinned one');
  const state = await pick(p3.file, 'the pack checked in the page');
  assert(state === 'ok', `the Evidence page: ${await text('#evidence-verdict')}`);
  assert(await evaluate('document.getElementById("evidence-key").dataset.fromPack') === 'true', 'the vkey is not said to come from the pack');
  const shown = await evaluate('[...document.querySelectorAll("#evidence-record li.event")].map((li) => li.dataset.seq)');
  assert(JSON.stringify(shown) === JSON.stringify(records.map((e) => String(e.seq))), `record lines: ${shown}`);
  assert((await text('#evidence-record')).includes('通报表扬'), 'the event types are not labelled in Chinese');
  assert(await evaluate(`document.querySelector('#evidence-record li[data-seq="${commendation.seq}"]').classList.contains('withdrawn')`),
         'the withdrawn commendation is not shown as withdrawn');
  assert((await text('#evidence-size')) === String(size), `size: ${await text('#evidence-size')}`);
  // The record is shown by the record pages' eventFields, a target seq as text (no link:
  // this page reads no server).
  const retraction = records.find((e) => e.event.type === 'retraction');
  const retractionText = await text(`#evidence-record li[data-seq="${retraction.seq}"] dl.fields`);
  assert(retractionText.includes(`序号 ${commendation.seq}`), `the retraction's target: ${retractionText}`);
  assert(!(await evaluate(`!!document.querySelector('#evidence-record li[data-seq="${retraction.seq}"] dl.fields a')`)),
         'the retraction\'s target is a link');
  await screenshot('evidence-05-web-verified-zh');
}

step('the Evidence page with the user\'s vkey, and with a wrong one');
{
  await setValue('#evidence-vkey', vkey);
  assert(await recheck('checked with the user\'s vkey') === 'ok', `with the user's vkey: ${await text('#evidence-verdict')}`);
  assert(await evaluate('document.getElementById("evidence-key").dataset.fromPack') === 'false', 'the user\'s vkey not used');
  // Nothing pinned yet: the vkey is the user's, and said so.
  assert(await evaluate('document.getElementById("evidence-key").dataset.source') === 'user', 'not said to be the user\'s vkey');
  assert((await text('#evidence-key')).includes('您提供的账本密钥'), `the verdict: ${await text('#evidence-key')}`);
  const wrong = vkey.replace(/\+[0-9a-f]{8}\+/, '+00000000+');
  await setValue('#evidence-vkey', wrong);
  assert(await recheck('checked with a wrong vkey') === 'fail', 'a wrong vkey passed');
  assert(await evaluate('document.getElementById("evidence-verdict").dataset.check') === '2', `not check 2: ${await text('#evidence-verdict')}`);
  await setValue('#evidence-vkey', '');
  await setValue('#evidence-witnesses', witness);
  assert(await recheck('checked with the witness key') === 'ok', `with the witness key: ${await text('#evidence-verdict')}`);
  assert(await evaluate('document.getElementById("evidence-witnesses-status").dataset.checked') === 'true', 'the cosignature not checked');
  assert((await text('#evidence-witnesses-status')).includes('1 / 1'), `witnesses: ${await text('#evidence-witnesses-status')}`);
  await setValue('#evidence-quorum', '2');
  assert(await recheck('a quorum of 2 of 1') === 'fail', 'a quorum larger than the witnesses passed');
  await setValue('#evidence-quorum', '');
  await setValue('#evidence-witnesses', '');
  assert(await recheck('checked again without witnesses') === 'ok', 'the pack fails again without witnesses');
}

step('the vkey this browser pinned: offered once pinned, and the verdict says it was that one');
{
  await evaluate('location.hash = "#/audit"');
  await waitFor('document.getElementById("checkpoint-status")?.dataset.state', 'the audit page');
  await evaluate('location.hash = "#/evidence"');
  await waitFor('!!document.getElementById("evidence-use-pinned")', 'the pinned vkey offered on the Evidence page');
  const note = await text('#evidence-pinned-note');
  assert(note.includes('本站所服务账本的密钥') && note.includes('并非取自证据包'), `the pinned vkey's note: ${note}`);
  await click('#evidence-use-pinned');
  assert(await evaluate('document.getElementById("evidence-vkey").value') === vkey, 'the pinned vkey is not the ledger\'s');
  assert(await pick(p3.file, 'checked with the pinned vkey') === 'ok', `with the pinned vkey: ${await text('#evidence-verdict')}`);
  const said = await text('#evidence-key');
  assert(await evaluate('document.getElementById("evidence-key").dataset.source') === 'pinned', `not said to be the pinned vkey: ${said}`);
  assert(said.includes('本浏览器固定的账本密钥') && said.includes(vkey.split('+')[1]) && said.includes('而非包内自带的'), `the verdict: ${said}`);
  // With a blank after it, still the pinned one; none, the pack's.
  await setValue('#evidence-vkey', `${vkey} `);
  assert(await recheck('checked with the typed vkey') === 'ok', 'the typed vkey failed');
  assert(await evaluate('document.getElementById("evidence-key").dataset.source') === 'pinned', 'the pinned vkey with a blank after it');
  await setValue('#evidence-vkey', '');
  assert(await recheck('checked with the pack\'s vkey') === 'ok', 'the pack\'s vkey failed');
  assert(await evaluate('document.getElementById("evidence-key").dataset.source') === 'pack', 'not said to be the pack\'s vkey');
  await screenshot('evidence-06-web-pinned-zh');
}

step('the Evidence page: the bare JSON, and the tampered files');
{
  assert(await pick(jsonFile, 'the JSON pack') === 'ok', `the JSON form: ${await text('#evidence-verdict')}`);
  assert(await pick(byteFile, 'the changed byte') === 'fail', 'a changed byte passed in the web page');
  assert(await evaluate('document.getElementById("evidence-verdict").dataset.seq') === String(commendation.seq),
         `the failed seq: ${await text('#evidence-verdict')}`);
  assert(await pick(fieldFile, 'the changed field') === 'fail', 'a changed field passed in the web page');
  assert((await text('#evidence-verdict')).includes('group: shown G2, signed G1'), `the field: ${await text('#evidence-verdict')}`);
  await screenshot('evidence-07-web-field-changed-zh');
}

step('the Evidence page in English');
{
  await click('#lang-switch');
  await waitFor('document.documentElement.lang === "en"', 'English');
  await waitFor('!!document.getElementById("evidence-file")', 'the Evidence page in English');
  await click('#evidence-use-pinned');
  assert(await pick(p2.file, 'P2 in English') === 'ok', `P2: ${await text('#evidence-verdict')}`);
  assert((await text('#evidence-record')).includes('Restriction recorded'), 'event types not labelled in English');
  const said = await text('#evidence-key');
  assert(said.includes('this browser pinned') && said.includes('not the pack\'s own'), `the English verdict: ${said}`);
  assert((await text('#evidence-pinned-note')).includes('does not come from the pack'), 'the pinned vkey\'s note in English');
  // The sealed reason P2's pack discloses, shown.
  const restrictionText = await text(`#evidence-record li[data-seq="${restriction.seq}"] dl.fields`);
  assert(restrictionText.includes(restriction.sealed[0].value), `the disclosed reason: ${restrictionText}`);
  await screenshot('evidence-08-web-verified-en');
}

step('a phone-sized screen');
{
  await page('Emulation.setDeviceMetricsOverride', { width: 390, height: 844, deviceScaleFactor: 2, mobile: true });
  await load(pathToFileURL(p3.file).href);
  await waitFor('document.getElementById("verdict")?.classList.contains("verified")', 'the pack page on a phone');
  await screenshot('evidence-09-page-phone');
}

step('no CSP violation, uncaught exception or console error');
assert(problems.length === 0, problems.join('\n'));

step('done');
await h.pass(`evidence_browser_test: PASS (${shots.length} screenshots in ${opts.screenshots})`, cdp);
