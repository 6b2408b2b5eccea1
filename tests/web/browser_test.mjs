#!/usr/bin/env node
// The web interface in a real browser: Debian's headless Chromium, driven over the
// DevTools protocol through a pipe (--remote-debugging-pipe; no npm package), against a
// real `probity serve` on a small store (tests/web/make_store.sh). It signs in with key
// files, finds a person, sees every entry of the record checked in the page (and a
// tampered entry caught), checks one entry, reads the eligibility list and downloads its
// CSV, leave, rosters and the access log, is refused (403) what a dispatcher may not
// read, audits the checkpoint (pin, consistency after a new submission, a changed key
// and a rewritten history both flagged), switches language, and runs on a phone-sized
// screen. A lying server is played by rewriting answers in the browser (Fetch domain):
// another entry for the one asked, a record line showing other values than signed,
// entries checked while the history forked; all must fail. No CSP violation or uncaught error may occur. Screenshots of each page.
//
//   node tests/web/browser_test.mjs --probity build/probity [--screenshots DIR]
//        [--chromium /usr/bin/chromium] [--docs docs/screenshots] [--keep]
// Exit 0 when every step passed; 1 naming the step that failed. Bounded: 150 s.

import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import {
  evaluate as cdpEvaluate, harness, load as loadPage, openTab, parseArgs, poll, screenshot as capture, setFiles, startChromium,
  startServer,
} from './cdp.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '../..');

const opts = parseArgs(process.argv.slice(2), {
  usage: 'browser_test.mjs --probity PATH [--screenshots DIR] [--chromium PATH] [--docs DIR] [--keep]',
  screenshots: path.join(root, 'build/web-screenshots'),
});

const work = fs.mkdtempSync(path.join(os.tmpdir(), 'probity-web-'));
const h = harness('browser_test', { work, keep: opts.keep });
const { step, fail, assert, problems } = h;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// ---- the store and the server ---------------------------------------------------------

step('make the store');
if (!fs.existsSync(opts.chromium)) fail(`no Chromium at ${opts.chromium} (apt-get install chromium)`);
execFileSync('bash', [path.join(here, 'make_store.sh'), opts.probity, work], { stdio: ['ignore', 'ignore', 'inherit'] });
const keys = path.join(work, 'keys');

step('start the server');
const base = await startServer(h, opts.probity, path.join(work, 'store'));

step('web assets carry the security headers');
{
  const csp = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
              "connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";
  for (const p of ['/', '/index.html', '/js/app.js', '/js/verify.js', '/css/app.css', '/favicon.svg']) {
    const r = await fetch(base + p);
    assert(r.status === 200, `${p}: ${r.status}`);
    assert(r.headers.get('content-security-policy') === csp, `${p}: CSP ${r.headers.get('content-security-policy')}`);
    assert(r.headers.get('x-content-type-options') === 'nosniff', `${p}: no nosniff`);
    assert(r.headers.get('referrer-policy') === 'no-referrer', `${p}: no Referrer-Policy`);
  }
  const html = await (await fetch(base + '/')).text();
  assert(!/<script(?![^>]*\bsrc=)/i.test(html) && !/\sstyle=|<style/i.test(html), 'inline script or style in index.html');
  assert((await fetch(base + '/nope.js')).status === 404, '/nope.js is not 404');
}

// ---- Chromium over the DevTools pipe -------------------------------------------------------

step('start Chromium');
const profile = path.join(work, 'profile');
const downloads = path.join(work, 'downloads');
fs.mkdirSync(downloads);
const { cdp } = startChromium(h, opts.chromium, profile);

const tab = await openTab(cdp, problems);
const { sessionId, page } = tab;
await cdp.send('Browser.setDownloadBehavior', { behavior: 'allow', downloadPath: downloads, eventsEnabled: true });

const evaluate = (expression) => cdpEvaluate(page, expression);
async function waitFor(expression, what, timeout = 20000) {
  const { ok, value, last } = await poll(page, expression, timeout);
  if (ok) return value;
  const text = await evaluate('document.getElementById("main")?.innerText?.slice(0, 600)').catch(() => '');
  fail(`timed out waiting for ${what} (last: ${JSON.stringify(last)}); the page shows: ${text}`);
}
const text = (selector) => evaluate(`document.querySelector(${JSON.stringify(selector)})?.innerText ?? null`);
const click = (selector) => evaluate(`document.querySelector(${JSON.stringify(selector)}).click()`);
const go = (hash) => evaluate(`location.hash = ${JSON.stringify(hash)}`);

// Loads `url` (or reloads the page) as a new document and waits for its load event.
async function load(url) {
  assert(await loadPage(cdp, tab, url), `${url ?? 'reload'}: no load event`);
}

fs.mkdirSync(opts.screenshots, { recursive: true });
for (const f of fs.readdirSync(opts.screenshots)) if (f.endsWith('.png')) fs.rmSync(path.join(opts.screenshots, f));
const shots = [];
async function screenshot(name) {
  shots.push(await capture(page, path.join(opts.screenshots, `${name}.png`)));
}

async function signIn(who) {
  if (await evaluate('!!document.getElementById("sign-out")')) await click('#sign-out');
  await waitFor('!!document.getElementById("key-file")', 'the sign-in form');
  await setFiles(page, '#key-file', [path.join(keys, `${who}.pem`)]);
}
async function signedInAs(role) {
  await waitFor(`document.getElementById("who")?.dataset.role === ${JSON.stringify(role)}`, `signed in as ${role}`);
}

// ---- 1. the sign-in page, in Chinese by default; the public audit ------------------------------

step('sign-in page in Chinese');
await page('Emulation.setDeviceMetricsOverride', { width: 1280, height: 900, deviceScaleFactor: 1, mobile: false });
await load(base + '/');
await waitFor('!!document.getElementById("key-file")', 'the key file input');
assert(await evaluate('document.documentElement.lang') === 'zh-CN', 'the page is not in Chinese by default');
assert((await text('main h2')) === '登录', `sign-in heading: ${await text('main h2')}`);
await screenshot('01-signin-zh');

step('a key file that is not a key');
fs.writeFileSync(path.join(keys, 'not-a-key.pem'), 'hello\n');
await signIn('not-a-key');
await waitFor('document.querySelector("#signin-status .error")?.dataset.kind === "key"', 'the bad key file refused');

step('public audit: checkpoint verified and pinned on first sight');
await go('#/audit');
await waitFor('document.getElementById("checkpoint-status")?.dataset.state === "ok"', 'the checkpoint verified');
assert(await evaluate('document.getElementById("pin-status").dataset.state') === 'new', 'the vkey was not pinned as new');
assert(await evaluate('document.getElementById("consistency").dataset.state') === 'first', 'consistency is not "first"');
assert(await evaluate('document.querySelector("#signatures tbody tr").dataset.ok') === 'true', 'the log signature line is not verified');
assert(await evaluate('JSON.parse(localStorage.getItem("probity.pin")).vkey.startsWith("probity.test/web+")'), 'no pin in localStorage');
assert(await evaluate('document.getElementById("access-checkpoint")?.dataset.state') === 'none',
       `the access log checkpoint before any read: ${await text('#access-checkpoint')}`);
await screenshot('02-audit-first-visit-zh');

// ---- 2. a reviewer: search, a record checked in the page, an entry ------------------------------

step('sign in as a reviewer');
await go('#/');
await signIn('reviewer');
await signedInAs('reviewer');
assert(!(await evaluate('Object.keys(localStorage).some((k) => /PRIVATE|BEGIN/.test(localStorage.getItem(k)))')),
       'something key-like is in localStorage');

step('find a person');
await go('#/search?q=' + encodeURIComponent('李'));
await waitFor('document.querySelector("#search-results tbody tr")', 'search results');
assert((await text('#search-results')).includes('李娜'), 'P3 李娜 not found');
await screenshot('03-search-zh');

step('a record with every entry checked in the browser');
await click('#search-results a[href="#/person/P3"]');
await waitFor('["ok","fail"].includes(document.getElementById("verify-summary")?.dataset.state)', 'the record checked', 30000);
assert(await evaluate('document.getElementById("verify-summary").dataset.state') === 'ok',
       `record P3: ${await text('#verify-summary')}`);
const p3 = await evaluate(`[...document.querySelectorAll("#timeline li.event")].map((li) => ({ seq: li.dataset.seq, v: li.dataset.verified, w: li.classList.contains("withdrawn") }))`);
assert(p3.length >= 6 && p3.every((x) => x.v === 'ok'), `not every entry verified: ${JSON.stringify(p3)}`);
const withdrawn = p3.filter((x) => x.w);
assert(withdrawn.length === 1, `expected one withdrawn event: ${JSON.stringify(p3)}`);
assert((await text(`#timeline li[data-seq="${withdrawn[0].seq}"] .withdrawn-note`)).includes('issued to the wrong person'),
       'the retraction reason is not shown');
assert(await evaluate('[...document.querySelectorAll("#timeline li.event")].every((li) => li.querySelector(".signer .server-says"))'),
       'a timeline line\'s signer is not marked as the server\'s word');
await screenshot('04-record-verified-zh');

step('one entry with each check');
await go(`#/entry/${withdrawn[0].seq}`);
await waitFor('document.getElementById("checks")', 'the entry checks');
const checks = await evaluate('[...document.querySelectorAll("#checks li")].map((li) => [li.dataset.check, li.dataset.ok])');
const ids = checks.map((c) => c[0]).sort().join(',');
assert(ids === 'checkpoint,consistency,fields,format,inclusion,keyId,leaf,signature,signed,type', `checks: ${ids}`);
assert(checks.every((c) => c[1] === 'true'), `an entry check failed: ${JSON.stringify(checks)}`);
assert(await evaluate('document.querySelectorAll("main dd .server-says").length') === 2,
       'the signer\'s holder and role are not marked as the server\'s word');
await screenshot('05-entry-checks-zh');

// A lying server: while `lie` is set, every answer to the URL patterns given to
// Fetch.enable passes through lie(url, status, body text), which returns the body sent.
let lie = null;
cdp.on(async (m) => {
  if (m.sessionId !== sessionId || m.method !== 'Fetch.requestPaused') return;
  const { requestId, request, responseStatusCode, responseHeaders } = m.params;
  const { body, base64Encoded } = await page('Fetch.getResponseBody', { requestId });
  let out = base64Encoded ? Buffer.from(body, 'base64').toString('utf8') : body;
  if (lie && responseStatusCode === 200) out = await lie(request.url, out);
  await page('Fetch.fulfillRequest', { requestId, responseCode: responseStatusCode, responseHeaders,
                                       body: Buffer.from(out, 'utf8').toString('base64') }).catch(() => {});
});
async function lying(patterns, f) {
  lie = f;
  await page('Fetch.enable', { patterns: patterns.map((p) => ({ urlPattern: p, requestStage: 'Response' })) });
}
async function honest() {
  await page('Fetch.disable');
  lie = null;
}
// GET `uri` signed by `who`'s key, as the command line's client would.
async function signedGet(uri, who) {
  const headers = execFileSync('node', [path.join(root, 'tests/tools/httpsig_node.js'), 'sign', '--key', path.join(keys, `${who}.pem`),
                                        '--method', 'GET', '--uri', uri, '--created', String(Math.floor(Date.now() / 1000)),
                                        '--nonce', String(Math.random()).slice(2)], { encoding: 'utf8' })
      .trim().split('\n').map((l) => [l.slice(0, l.indexOf(':')), l.slice(l.indexOf(':') + 2)]);
  const r = await fetch(uri, { headers: Object.fromEntries(headers) });
  assert(r.status === 200, `GET ${uri}: ${r.status} ${await r.clone().text()}`);
  return r.text();
}
const states = () => evaluate(`[...document.querySelectorAll("#timeline li.event")].map((li) => [li.dataset.seq, li.dataset.verified])`);

step('a tampered entry is caught in the browser');
// One flipped byte in the entry bytes the server sends for P1's commendation.
let tampered = null;
await lying(['*/v1/entries/*'], (url, out) => {
  const shown = JSON.parse(out);
  if (tampered !== null || shown.event?.type !== 'commendationIssued') return out;
  const bytes = Buffer.from(shown.entry, 'base64');
  bytes[120] ^= 0x01;  // inside the event body
  shown.entry = bytes.toString('base64');
  tampered = String(shown.seq);
  return JSON.stringify(shown);
});
await go('#/person/P1');
await waitFor('["ok","fail"].includes(document.getElementById("verify-summary")?.dataset.state)', 'the tampered record checked', 30000);
await honest();
assert(tampered !== null, 'no commendation entry was intercepted');
assert(await evaluate('document.getElementById("verify-summary").dataset.state') === 'fail', 'the tampered record passed');
const p1rows = await evaluate(`[...document.querySelectorAll("#timeline li.event")].map((li) => [li.dataset.seq, li.dataset.verified])`);
for (const [seq, v] of p1rows) {
  assert(v === (seq === tampered ? 'fail' : 'ok'), `seq ${seq}: ${v} (tampered: ${tampered})`);
}
assert((await text(`#timeline li[data-seq="${tampered}"] .fail-detail`)).length > 0, 'the failed check is not named');
await screenshot('06-record-tampered-zh');

step('another entry than the one asked for fails, though it and its proof are valid');
{
  // /v1/entries/5 answered with entry 7, and the inclusion proof for 5 with 7's.
  const seven = await signedGet(`${base}/v1/entries/7`, 'reviewer');
  await lying(['*/v1/entries/5', '*/v1/proofs/inclusion?seq=5&*'], async (url, out) => {
    if (url.endsWith('/v1/entries/5')) return seven;
    const size = new URL(url).searchParams.get('size');
    return (await fetch(`${base}/v1/proofs/inclusion?seq=7&size=${size}`)).text();
  });
  await go('#/entry/5');
  await waitFor('document.getElementById("checks")', 'the swapped entry checked');
  await honest();
  const result = await evaluate('[...document.querySelectorAll("#checks li")].filter((li) => li.dataset.ok !== "true").map((li) => li.dataset.check).sort().join(",")');
  assert(result === 'format,inclusion', `the checks that failed for entry 7 shown as 5: ${result}`);
  assert(await evaluate('document.getElementById("verify-summary").dataset.state') === 'fail', 'entry 7 passed as entry 5');
}

step('a record line showing other values than the signed ones fails');
{
  // The record says P1's first assignment is to G2 from 2019-05-11; the signed entry says G1 from 2019-05-10.
  let changed = null;
  await lying(['*/v1/persons/P1/record*'], (url, out) => {
    const record = JSON.parse(out);
    const line = record.events.find((l) => l.type === 'assignmentMade' && l.event?.assignment === 'A1');
    line.event.group = 'G2';
    line.date = '2019-05-11';
    changed = String(line.seq);
    return JSON.stringify(record);
  });
  await go('#/person/P1');
  await waitFor('["ok","fail"].includes(document.getElementById("verify-summary")?.dataset.state)', 'the record with a changed line', 30000);
  await honest();
  assert(changed !== null, 'no assignment line was rewritten');
  for (const [seq, state] of await states()) {
    assert(state === (seq === changed ? 'fail' : 'ok'), `seq ${seq}: ${state} (changed: ${changed})`);
  }
  const detail = await text(`#timeline li[data-seq="${changed}"] .fail-detail`);
  assert(/group: shown G2, signed G1/.test(detail) && /date: shown 2019-05-11, signed 2019-05-10/.test(detail),
         `the changed fields are not named: ${detail}`);
}

// ---- 3. HR: eligibility, CSV, leave, roster, access log -------------------------------------------

step('sign in as HR');
await signIn('hr');
await signedInAs('hr');

step('HR sees a sealed value, opened by its salt against the signed commitment');
await go('#/person/P2');
await waitFor('["ok","fail"].includes(document.getElementById("verify-summary")?.dataset.state)', 'P2\'s record for HR', 30000);
assert(await evaluate('document.getElementById("verify-summary").dataset.state') === 'ok', `P2 for HR: ${await text('#verify-summary')}`);
assert(!(await text('#timeline li[data-type="restrictionRecorded"]')).includes('withheld'), 'HR does not see the sealed value');

step('the eligibility list, filtered');
await go('#/eligibility/2019');
await waitFor('document.querySelector("#elig-table tbody tr")', 'the eligibility table');
const rows = () => evaluate(`[...document.querySelectorAll("#elig-table tbody tr:not(.detail)")].map((tr) => tr.dataset.key)`);
assert(JSON.stringify(await rows()) === '["P1","P2","P4"]', `lines: ${JSON.stringify(await rows())}`);
assert((await text('#elig-table')).includes('年终考核不得确定为优秀'), 'the outcome is not labelled in Chinese');
await evaluate(`(() => { const s = document.getElementById("filter-outcome"); s.value = "barredFromExcellent"; s.dispatchEvent(new Event("change")); })()`);
assert(JSON.stringify(await rows()) === '["P2"]', `filtered by outcome: ${JSON.stringify(await rows())}`);
await click('#elig-table tbody tr[data-key="P2"] button');
const detail = await text('#elig-table tbody tr.detail:not([hidden])');
assert(detail && detail.includes('R13'), `P2's reasons: ${detail}`);
const eventLinks = await evaluate(`[...document.querySelectorAll("#elig-table tr.detail:not([hidden]) a.seq")].map((a) => a.getAttribute("href"))`);
assert(eventLinks.length === 2 && eventLinks.every((h) => /^#\/entry\/\d+$/.test(h)), `event links: ${eventLinks}`);
await screenshot('07-eligibility-zh');
await evaluate(`(() => { const s = document.getElementById("filter-outcome"); s.value = ""; s.dispatchEvent(new Event("change")); })()`);
await evaluate(`(() => { const s = document.getElementById("filter-unit"); s.value = "U2"; s.dispatchEvent(new Event("change")); })()`);
assert(JSON.stringify(await rows()) === '["P4"]', `filtered by unit: ${JSON.stringify(await rows())}`);

step('an event of the list, one click away');
await go(eventLinks[0]);
await waitFor('document.getElementById("verify-summary")?.dataset.state === "ok"', 'the event checked');

step('download the eligibility CSV');
await go('#/eligibility/2019');
await waitFor('document.getElementById("csv-download")', 'the CSV button');
const done = new Promise((resolve) => cdp.on((m) => {
  if (m.method === 'Browser.downloadProgress' && m.params.state === 'completed') resolve(m.params);
}));
await click('#csv-download');
{
  const timer = setTimeout(() => fail('the CSV download did not complete'), 15000);
  await done;
  clearTimeout(timer);
}
{
  const files = fs.readdirSync(downloads).filter((f) => f.endsWith('.csv'));
  assert(files.length === 1 && files[0] === 'eligibility-2019.csv', `downloads: ${files}`);
  const raw = fs.readFileSync(path.join(downloads, files[0]));
  // The same bytes as the command line prints (a reader beside the serving writer).
  let expected = Buffer.alloc(0);
  try {
    expected = execFileSync(opts.probity, ['--data', path.join(work, 'store'), 'eligibility', '2019', '--format', 'csv'],
                            { stdio: ['ignore', 'pipe', 'ignore'] });
  } catch {
    console.log('browser_test: note: the command line could not read the served store; CSV checked by content');
  }
  const csv = raw.toString('utf8');
  assert(csv.startsWith('\ufeffperson,name,unit,category,outcomes,reviewRequired,reasons,events\r\n'), `CSV header: ${csv.slice(0, 120)}`);
  assert(csv.includes('P1,张伟,U1,civilServant,priorityInAssessment;priorityInAwards,false,'), 'CSV line of P1');
  assert(csv.includes('"刘""洋"", 二"'), 'CSV quoting of P4');
  if (expected.length) assert(raw.equals(expected), 'the CSV differs from `probity eligibility 2019 --format csv`');
}

step('units, leave, roster');
await go('#/eligibility/2019?units=1');
await waitFor('document.querySelector("#elig-table tbody tr[data-key=U1]")', 'the units list');
assert((await text('#elig-table')).includes('领导班子年终考核加分'), 'unit outcome label');
await go('#/leave/P1');
await waitFor('document.getElementById("leave")', 'the leave balance');
assert((await text('#leave dd.big')) === '2', `leave left: ${await text('#leave dd.big')}`);
await screenshot('08-leave-zh');
await go('#/roster?date=2019-05-25');
await waitFor('document.querySelector("section.city[data-city=\\"130100\\"] table")', 'the roster');
assert((await text('section.city[data-city="130100"]')).includes('G1'), 'G1 not on the roster');
assert((await text('section.city[data-city="130100"] .task')) === '大气污染防治专项督察', 'G1\'s task not on the roster');
await screenshot('09-roster-zh');

step('the access log');
await go('#/access/P3');
await waitFor('document.getElementById("access-table") || document.querySelector("main .error") || document.querySelector("main pre.raw")', 'the access log');
assert(await evaluate('!!document.getElementById("access-table")'), `no access table: ${await text('main')}`);
assert((await text('#access-table')).includes('reviewer'), 'the reviewer\'s read of P3 is not in the access log');
await screenshot('10-access-log-zh');

// ---- 4. a dispatcher is refused what its role may not read ---------------------------------------

step('a dispatcher is refused the eligibility list (403)');
await signIn('dispatcher-u1');
await signedInAs('dispatcher');
assert(!(await evaluate('!!document.getElementById("nav-eligibility")')), 'a dispatcher is offered the eligibility page');
await go('#/eligibility/2019');
await waitFor('document.querySelector("main .error")', 'the refusal');
assert(await evaluate('document.querySelector("main .error").dataset.status') === '403', 'not a 403');
assert((await text('main .error strong')) === '您的角色无权读取此内容。', `403 text: ${await text('main .error strong')}`);
assert((await text('main .error .server-words')).length > 5, 'the server\'s words are not shown');
await screenshot('11-forbidden-403-zh');

step('a dispatcher reads its unit\'s record, without entries');
await go('#/person/P1');
await waitFor('["ok","fail","denied"].includes(document.getElementById("verify-summary")?.dataset.state)', 'the dispatcher\'s record');
assert(await evaluate('document.getElementById("verify-summary").dataset.state') === 'denied', 'entries were not refused to a dispatcher');
assert(!(await text('#timeline')).includes('登记不宜派出情形'), 'a dispatcher sees the R1 event');
await go('#/person/P3');
await waitFor('document.querySelector("main .error")', 'another unit\'s person refused');
assert(await evaluate('document.querySelector("main .error").dataset.status') === '403', 'P3 (U2) not refused to U1\'s dispatcher');

// ---- 5. the auditor: a new checkpoint proven consistent; tampering flagged -------------------------

step('append through the server, so the log grows');
{
  const event = path.join(work, 'new.jsonl');
  fs.writeFileSync(event, '{"type":"personRegistered","person":"P6","name":"赵敏 O\'Neil (Zhao)","unit":"U3","category":"contract"}\n');
  const body = execFileSync(opts.probity, ['sign', '--key', path.join(keys, 'hr.pem'), '--origin', 'probity.test/web', event]);
  const bodyFile = path.join(work, 'body.jsonl');
  fs.writeFileSync(bodyFile, body);
  const uri = `${base}/v1/events`;
  const headers = execFileSync('node', [path.join(root, 'tests/tools/httpsig_node.js'), 'sign', '--key', path.join(keys, 'hr.pem'),
                                        '--method', 'POST', '--uri', uri, '--created', String(Math.floor(Date.now() / 1000)),
                                        '--body-file', bodyFile], { encoding: 'utf8' })
      .trim().split('\n').map((l) => [l.slice(0, l.indexOf(':')), l.slice(l.indexOf(':') + 2)]);
  const r = await fetch(uri, { method: 'POST', body, headers: Object.fromEntries(headers) });
  assert(r.status === 200, `POST /v1/events: ${r.status} ${await r.text()}`);
}

step('the audit proves the new checkpoint consistent with the last one seen');
await signIn('auditor');
await signedInAs('auditor');
await go('#/audit');
await waitFor('document.getElementById("consistency")', 'the consistency result');
assert(await evaluate('document.getElementById("consistency").dataset.state') === 'consistent',
       `consistency: ${await text('#consistency')}`);
assert(await evaluate('document.getElementById("pin-status").dataset.state') === 'same', 'the pin is not "same"');
assert(await evaluate('document.getElementById("access-checkpoint")?.dataset.state') === 'ok',
       `the access log checkpoint: ${await text('#access-checkpoint')}`);
await screenshot('12-audit-consistent-zh');

step('the access log is proven consistent with an older checkpoint this browser saw, in the page');
{
  const size = Number(await text('#access-size'));
  assert(size >= 2, `the access log should hold reads by now: ${size}`);
  const seenAccess = await evaluate('localStorage.getItem("probity.seen.access")');
  // Make the browser remember the access log as it was at size 1 (its real root there).
  const rememberAt1 = (rootExpr) => evaluate(`(async () => {
      const s = JSON.parse(localStorage.getItem("probity.seen.access"));
      s.size = 1; s.root = ${rootExpr}; localStorage.setItem("probity.seen.access", JSON.stringify(s)); })()`);
  await rememberAt1(`await fetch("/v1/access-log/proofs/consistency?old=1&new=${size}").then((r) => r.json())
      .then((p) => btoa(String.fromCharCode(...p.oldRoot.match(/../g).map((b) => parseInt(b, 16)))))`);
  await go('#/');
  await go('#/audit');
  await waitFor('document.getElementById("access-checkpoint")?.dataset.growth === "consistent"',
                'the access log proven consistent from size 1');
  assert(await evaluate('document.getElementById("access-checkpoint").dataset.state') === 'ok',
         `access consistency: ${await text('#access-checkpoint')}`);
  // Another root at size 1: the proof fails in the page.
  await rememberAt1('btoa(String.fromCharCode(...new Uint8Array(32).fill(7)))');
  await go('#/');
  await go('#/audit');
  await waitFor('document.getElementById("access-checkpoint")?.dataset.growth === "inconsistent"',
                'a rewritten access log flagged');
  assert(await evaluate('document.getElementById("access-checkpoint").dataset.state') === 'fail',
         'a rewritten access log passed');
  await evaluate(`localStorage.setItem("probity.seen.access", ${JSON.stringify(seenAccess)})`);
}

step('a rewritten history is flagged');
const saved = await evaluate('localStorage.getItem("probity.seen")');
await evaluate(`(() => { const s = JSON.parse(localStorage.getItem("probity.seen")); s.size = 40;
                 s.root = btoa(String.fromCharCode(...new Uint8Array(32).fill(7))); localStorage.setItem("probity.seen", JSON.stringify(s)); })()`);
await click('#recheck');
await waitFor('document.getElementById("consistency")?.dataset.state === "inconsistent"', 'the inconsistency flagged');
assert(await evaluate('!!document.querySelector("#banner .error")'), 'no banner for an inconsistent history');

step('no entry passes while the history is inconsistent');
await go('#/entry/3');
await waitFor('document.getElementById("checks")', 'an entry checked under a forked history');
{
  const result = await evaluate('[...document.querySelectorAll("#checks li")].filter((li) => li.dataset.ok !== "true").map((li) => li.dataset.check).join(",")');
  assert(result === 'consistency', `the checks that failed under a forked history: ${result}`);
  assert(await evaluate('document.getElementById("verify-summary").dataset.state') === 'fail', 'an entry passed under a forked history');
}
await evaluate(`localStorage.setItem("probity.seen", ${JSON.stringify(saved)})`);
await go('#/audit');
await waitFor('["same","consistent"].includes(document.getElementById("consistency")?.dataset.state)', 'the history consistent again');

step('a changed checkpoint key is flagged loudly');
const pin = await evaluate('localStorage.getItem("probity.pin")');
await evaluate(`localStorage.setItem("probity.pin", JSON.stringify({ vkey: "probity.test/web+00000000+AQ" + "A".repeat(42) + "=" }))`);
await click('#recheck');
await waitFor('!!document.getElementById("pin-warning")', 'the changed-key warning');
assert(await evaluate('document.getElementById("checkpoint-status").dataset.state') === 'fail', 'the checkpoint passed under another key');
await screenshot('13-audit-key-changed-zh');
await evaluate(`localStorage.setItem("probity.pin", ${JSON.stringify(pin)})`);

// ---- 6. English, remembered; a phone screen ---------------------------------------------------------

step('switch to English, remembered across a reload');
await click('#lang-switch');
await waitFor('document.documentElement.lang === "en"', 'English');
assert(await evaluate('localStorage.getItem("probity.lang")') === 'en', 'the language is not remembered');
await go('#/audit');
await load(null);
await waitFor('document.getElementById("checkpoint-status")?.dataset.state === "ok"', 'the audit page after reload');
assert((await text('main h2')) === 'Checkpoint audit', `heading after reload: ${await text('main h2')}`);
assert(!(await evaluate('!!document.getElementById("who")')), 'still signed in after a reload (the key must live in memory only)');
await screenshot('14-audit-en');
await go('#/');
await signIn('reviewer');
await signedInAs('reviewer');
step('search for a name with an apostrophe and a parenthesis (signed as fetch sends it)');
await go('#/search?q=' + encodeURIComponent("O'Neil ("));
await waitFor('document.querySelector("#search-results tbody tr") || document.querySelector("main .error")', 'the search with an apostrophe');
assert(await evaluate('!document.querySelector("main .error")'), `the search was refused: ${await text('main .error')}`);
assert((await text('#search-results')).includes("赵敏 O'Neil (Zhao)"), `P6 not found: ${await text('#search-results')}`);

step('the record in English');
await go('#/person/P3');
await waitFor('document.getElementById("verify-summary")?.dataset.state === "ok"', 'the record in English', 30000);
assert((await text('#timeline')).includes('Commendation issued'), 'event types are not labelled in English');
await screenshot('15-record-en');
await go('#/eligibility/2019');
await waitFor('document.querySelector("#elig-table tbody tr")', 'the eligibility table (reviewer)');
assert((await text('#elig-table')).includes('May not be rated Excellent'), 'outcome not labelled in English');
await screenshot('16-eligibility-en');

step('a phone-sized screen');
await page('Emulation.setDeviceMetricsOverride', { width: 390, height: 844, deviceScaleFactor: 2, mobile: true });
await go('#/person/P3');
await waitFor('document.getElementById("verify-summary")?.dataset.state === "ok"', 'the record on a phone', 30000);
assert(await evaluate('document.documentElement.scrollWidth <= window.innerWidth + 1'),
       `the page scrolls sideways on a phone: ${await evaluate('document.documentElement.scrollWidth')}`);
await screenshot('17-record-phone-en');
await go('#/eligibility/2019');
await waitFor('document.querySelector("#elig-table tbody tr")', 'the eligibility table on a phone');
await screenshot('18-eligibility-phone-en');

step('no CSP violation, uncaught exception or console error');
assert(problems.length === 0, problems.join('\n'));

step('done');
if (opts.docs) {
  const docs = path.resolve(opts.docs);
  fs.mkdirSync(docs, { recursive: true });
  for (const f of shots) fs.copyFileSync(f, path.join(docs, path.basename(f)));
  console.log(`browser_test: copied ${shots.length} screenshots to ${docs}`);
}
await h.pass(`browser_test: PASS (${shots.length} screenshots in ${opts.screenshots})`, cdp);
