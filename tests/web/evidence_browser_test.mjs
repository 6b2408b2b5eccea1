#!/usr/bin/env node
// Evidence packs (docs/formats.md §12) in a real browser: Debian's headless Chromium over
// the DevTools pipe (tests/web/cdp.mjs). (a) A pack page opened from disk (file://) checks
// itself: the verdict says verified, every record line is marked checked, and the language
// toggle switches the page; (b) a copy with one byte of an entry changed, and one with a
// shown field changed, each say NOT VERIFIED naming the seq; (c) the web interface's
// Evidence page (`probity serve`, signed out) checks the pack picked in its file input,
// with the pack's vkey, the user's, and a wrong one. No page may make a network request
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
  const state = await pick(p3.file, 'the pack checked in the page');
  assert(state === 'ok', `the Evidence page: ${await text('#evidence-verdict')}`);
  assert(await evaluate('document.getElementById("evidence-key").dataset.fromPack') === 'true', 'the vkey is not said to come from the pack');
  const shown = await evaluate('[...document.querySelectorAll("#evidence-record li.event")].map((li) => li.dataset.seq)');
  assert(JSON.stringify(shown) === JSON.stringify(records.map((e) => String(e.seq))), `record lines: ${shown}`);
  assert((await text('#evidence-record')).includes('通报表扬'), 'the event types are not labelled in Chinese');
  assert(await evaluate(`document.querySelector('#evidence-record li[data-seq="${commendation.seq}"]').classList.contains('withdrawn')`),
         'the withdrawn commendation is not shown as withdrawn');
  assert((await text('#evidence-size')) === String(size), `size: ${await text('#evidence-size')}`);
  await screenshot('evidence-05-web-verified-zh');
}

step('the Evidence page with the user\'s vkey, and with a wrong one');
{
  await setValue('#evidence-vkey', vkey);
  assert(await recheck('checked with the user\'s vkey') === 'ok', `with the user's vkey: ${await text('#evidence-verdict')}`);
  assert(await evaluate('document.getElementById("evidence-key").dataset.fromPack') === 'false', 'the user\'s vkey not used');
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

step('the Evidence page: the bare JSON, and the tampered files');
{
  assert(await pick(jsonFile, 'the JSON pack') === 'ok', `the JSON form: ${await text('#evidence-verdict')}`);
  assert(await pick(byteFile, 'the changed byte') === 'fail', 'a changed byte passed in the web page');
  assert(await evaluate('document.getElementById("evidence-verdict").dataset.seq') === String(commendation.seq),
         `the failed seq: ${await text('#evidence-verdict')}`);
  assert(await pick(fieldFile, 'the changed field') === 'fail', 'a changed field passed in the web page');
  assert((await text('#evidence-verdict')).includes('group: shown G2, signed G1'), `the field: ${await text('#evidence-verdict')}`);
  await screenshot('evidence-06-web-field-changed-zh');
}

step('the Evidence page in English');
{
  await click('#lang-switch');
  await waitFor('document.documentElement.lang === "en"', 'English');
  await waitFor('!!document.getElementById("evidence-file")', 'the Evidence page in English');
  assert(await pick(p2.file, 'P2 in English') === 'ok', `P2: ${await text('#evidence-verdict')}`);
  assert((await text('#evidence-record')).includes('Restriction recorded'), 'event types not labelled in English');
  await screenshot('evidence-07-web-verified-en');
}

step('a phone-sized screen');
{
  await page('Emulation.setDeviceMetricsOverride', { width: 390, height: 844, deviceScaleFactor: 2, mobile: true });
  await load(pathToFileURL(p3.file).href);
  await waitFor('document.getElementById("verdict")?.classList.contains("verified")', 'the pack page on a phone');
  await screenshot('evidence-08-page-phone');
}

step('no CSP violation, uncaught exception or console error');
assert(problems.length === 0, problems.join('\n'));

step('done');
await h.pass(`evidence_browser_test: PASS (${shots.length} screenshots in ${opts.screenshots})`, cdp);
