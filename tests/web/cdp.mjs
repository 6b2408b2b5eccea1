// A small driver for Debian's headless Chromium over the DevTools protocol through a pipe
// (--remote-debugging-pipe; no npm package), and the harness a browser test runs in
// (options, steps, failing, cleanup, a deadline, `probity serve`): shared by
// tests/web/browser_test.mjs and tests/web/evidence_browser_test.mjs.

import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

// DevTools messages over fds 3 (to Chromium) and 4 (from it), each JSON ended by NUL.
export class Cdp {
  constructor(write, read) {
    this.write = write;
    this.next = 1;
    this.pending = new Map();
    this.listeners = [];
    let buffer = Buffer.alloc(0);
    read.on('data', (chunk) => {
      buffer = Buffer.concat([buffer, chunk]);
      let end;
      while ((end = buffer.indexOf(0)) >= 0) {
        const message = JSON.parse(buffer.subarray(0, end).toString('utf8'));
        buffer = buffer.subarray(end + 1);
        this.dispatch(message);
      }
    });
  }
  dispatch(m) {
    if (m.id && this.pending.has(m.id)) {
      const { resolve, reject, method } = this.pending.get(m.id);
      this.pending.delete(m.id);
      if (m.error) reject(new Error(`${method}: ${m.error.message}`));
      else resolve(m.result);
      return;
    }
    for (const l of this.listeners) l(m);
  }
  send(method, params = {}, sessionId) {
    const id = this.next++;
    this.write.write(JSON.stringify({ id, method, params, ...(sessionId ? { sessionId } : {}) }) + '\0');
    return new Promise((resolve, reject) => this.pending.set(id, { resolve, reject, method }));
  }
  on(f) {
    this.listeners.push(f);
  }
}

// Starts Chromium (headless, its own profile in `profile`, detached in its own process
// group so that the caller can kill the group). Returns { proc, cdp, stderr() }.
export function launchChromium(chromium, profile, { lang = 'zh-CN' } = {}) {
  const proc = spawn(chromium, [
    '--headless=new', '--remote-debugging-pipe', `--user-data-dir=${profile}`, '--no-first-run',
    '--no-default-browser-check', '--disable-gpu', '--disable-extensions', '--disable-sync',
    '--disable-background-networking', '--disable-component-update', '--no-sandbox',
    '--disable-dev-shm-usage', '--window-size=1280,900', `--lang=${lang}`, 'about:blank',
  ], { stdio: ['ignore', 'ignore', 'pipe', 'pipe', 'pipe'], detached: true });
  let err = '';
  proc.stderr.on('data', (d) => { err = (err + d).slice(-4000); });
  return { proc, cdp: new Cdp(proc.stdio[3], proc.stdio[4]), stderr: () => err };
}

// A new tab, attached: { sessionId, page(method, params) }. What the page reports that a
// test must not pass over (uncaught exceptions, console errors other than failed loads,
// CSP violations) is pushed to `problems`.
export async function openTab(cdp, problems) {
  const { targetId } = await cdp.send('Target.createTarget', { url: 'about:blank' });
  const { sessionId } = await cdp.send('Target.attachToTarget', { targetId, flatten: true });
  const page = (method, params) => cdp.send(method, params, sessionId);
  cdp.on((m) => {
    if (m.sessionId !== sessionId) return;
    if (m.method === 'Runtime.exceptionThrown') {
      problems.push(`exception: ${m.params.exceptionDetails?.exception?.description ?? m.params.exceptionDetails?.text}`);
    } else if (m.method === 'Log.entryAdded') {
      const e = m.params.entry;
      // Failed loads (the 403 and 404 answers a test provokes) are the network's, not bugs.
      if (e.level === 'error' && e.source !== 'network') problems.push(`${e.source}: ${e.text}`);
      if (/Content Security Policy/i.test(e.text)) problems.push(`CSP: ${e.text}`);
    } else if (m.method === 'Runtime.consoleAPICalled' && m.params.type === 'error') {
      problems.push(`console.error: ${m.params.args.map((a) => a.value ?? a.description).join(' ')}`);
    }
  });
  await page('Page.enable');
  await page('Runtime.enable');
  await page('Log.enable');
  await page('DOM.enable');
  return { targetId, sessionId, page };
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// The value of `expression` in the page (promises awaited); throws with the page's error.
export async function evaluate(page, expression) {
  const r = await page('Runtime.evaluate', { expression, awaitPromise: true, returnByValue: true, userGesture: true });
  if (r.exceptionDetails) throw new Error(`${expression}: ${r.exceptionDetails.exception?.description ?? r.exceptionDetails.text}`);
  return r.result.value;
}

// Polls `expression` until it is truthy: { ok: true, value } or { ok: false, last }.
export async function poll(page, expression, timeout = 20000) {
  const until = Date.now() + timeout;
  let last;
  while (Date.now() < until) {
    try {
      last = await evaluate(page, expression);
      if (last) return { ok: true, value: last };
    } catch (e) {
      last = e.message;  // the page may be between documents
    }
    await sleep(100);
  }
  return { ok: false, last };
}

// Loads `url` (or reloads the tab) as a new document; true once its load event fired.
export async function load(cdp, tab, url, timeout = 15000) {
  let fired = false;
  cdp.on((m) => {
    if (m.sessionId === tab.sessionId && m.method === 'Page.loadEventFired') fired = true;
  });
  if (url) await tab.page('Page.navigate', { url });
  else await tab.page('Page.reload', {});
  const until = Date.now() + timeout;
  while (!fired && Date.now() < until) await sleep(50);
  return fired;
}

// A PNG of the whole page in `file`.
export async function screenshot(page, file) {
  await sleep(150);  // let layout settle
  const { data } = await page('Page.captureScreenshot', { format: 'png', captureBeyondViewport: true });
  fs.writeFileSync(file, Buffer.from(data, 'base64'));
  return file;
}

// Puts `files` (paths) into the <input type=file> matching `selector`, as a user would.
export async function setFiles(page, selector, files) {
  const { root: doc } = await page('DOM.getDocument', { depth: 0 });
  const { nodeId } = await page('DOM.querySelector', { nodeId: doc.nodeId, selector });
  if (!nodeId) throw new Error(`no ${selector}`);
  await page('DOM.setFileInputFiles', { nodeId, files });
}

// ---- the harness -----------------------------------------------------------------------------

// The command line of a browser test: --probity PATH (required), --screenshots DIR
// (default `screenshots`), --chromium PATH ($CHROMIUM or /usr/bin/chromium), --keep, and any
// other --NAME VALUE. Without --probity prints `usage` and exits 2.
export function parseArgs(argv, { usage, screenshots }) {
  const opts = { chromium: process.env.CHROMIUM || '/usr/bin/chromium' };
  for (let i = 0; i < argv.length; i++) {
    const name = argv[i].replace(/^--/, '');
    if (name === 'keep') opts.keep = true;
    else opts[name] = argv[++i];
  }
  if (!opts.probity) {
    console.error(`usage: ${usage}`);
    process.exit(2);
  }
  opts.probity = path.resolve(opts.probity);
  opts.screenshots = path.resolve(opts.screenshots || screenshots);
  return opts;
}

// The harness of the test `name` (the prefix of its messages), whose files are in `work`
// (removed at the end unless `keep`). From here on an uncaught error, a signal or running
// over `seconds` fails the test. Returns:
//   step(what)   names the step under way (a failure names it); step() is the current one
//   fail(msg)    says which step failed and what the pages reported, cleans up, exits 1
//   assert(c, m) fail(m) unless c
//   children     { proc, group } started by the test, killed in cleanup()
//   problems     what the pages reported (CSP violations, uncaught exceptions, console errors)
//   cleanup()    kills the children, removes `work` unless `keep`
//   pass(msg, cdp) prints msg, closes the browser, cleans up, exits 0
export function harness(name, { work, keep, seconds = 150 }) {
  const children = [];
  const problems = [];
  let current = 'setup';
  const step = (what) => {
    if (what !== undefined) current = what;
    return current;
  };
  function cleanup() {
    for (const { proc, group } of children) {
      if (proc.exitCode !== null || proc.signalCode !== null) continue;
      try {
        // SIGKILL: a server stopping gracefully goes on writing its store's last files
        // (on a loaded machine for seconds), which raced the removal below.
        if (group) process.kill(-proc.pid, 'SIGKILL');
        else proc.kill('SIGKILL');
      } catch {
        // Already gone.
      }
    }
    // A killed process may still hold a file for a moment: retry for up to 5 s.
    if (!keep) fs.rmSync(work, { recursive: true, force: true, maxRetries: 50, retryDelay: 100 });
  }
  function fail(message) {
    console.error(`${name}: FAIL at "${current}": ${message}`);
    if (problems.length) console.error(`${name}: the page reported:\n  ${problems.join('\n  ')}`);
    cleanup();
    process.exit(1);
  }
  const assert = (cond, message) => {
    if (!cond) fail(message);
  };
  process.on('uncaughtException', (e) => fail(e.stack || String(e)));
  process.on('unhandledRejection', (e) => fail(e?.stack || String(e)));
  process.on('SIGINT', () => fail('interrupted'));
  process.on('SIGTERM', () => fail('terminated'));
  const deadline = setTimeout(() => fail(`the whole test took over ${seconds} s`), seconds * 1000);
  async function pass(message, cdp) {
    console.log(message);
    clearTimeout(deadline);
    await cdp.send('Browser.close').catch(() => {});
    cleanup();
    process.exit(0);
  }
  return { step, fail, assert, children, problems, cleanup, pass };
}

// Chromium started as a child of harness `h` (launchChromium); its exit before step
// 'done' fails the test. Returns { proc, cdp, stderr() }.
export function startChromium(h, chromium, profile, options) {
  const chrome = launchChromium(chromium, profile, options);
  h.children.push({ proc: chrome.proc, group: true });
  chrome.proc.on('exit', (code, signal) => {
    if (h.step() !== 'done') h.fail(`Chromium exited (${code ?? signal}): ${chrome.stderr()}`);
  });
  return chrome;
}

// `probity serve` on a free port of 127.0.0.1 for the store `store`, a child of harness `h`;
// its base URL (http://127.0.0.1:PORT) once it listens.
export async function startServer(h, probity, store) {
  const server = spawn(probity, ['--data', store, 'serve', '--listen', '127.0.0.1:0'], { stdio: ['ignore', 'ignore', 'pipe'] });
  h.children.push({ proc: server, group: false });
  return new Promise((resolve, reject) => {
    let err = '';
    server.stderr.on('data', (d) => {
      err += d;
      const m = /at (http:\/\/127\.0\.0\.1:\d+)\//.exec(err);
      if (m) resolve(m[1]);
    });
    server.on('exit', (code) => reject(new Error(`probity serve exited ${code}: ${err}`)));
    setTimeout(() => reject(new Error(`probity serve did not start: ${err}`)), 10000);
  });
}
