#!/usr/bin/env node
// An independent RFC 9421 (HTTP Message Signatures) + RFC 9530 (Content-Digest)
// implementation for tests/http_signature_test.cc: it signs requests for the C++
// verifier and verifies what the C++ signer makes. Node's built-in modules only
// (crypto, fs, URL); it shares no code or data with server/http_signature.cc, and
// derives @authority, @path and @query with the WHATWG URL parser.
//
//   node httpsig_node.js sign --key PRIVATE.pem --method M --uri URI --created N
//        [--components "@method,@target-uri,content-digest"] [--body-file F]
//        [--header "Name: value"]... [--nonce X] [--tag X] [--label sig1] [--no-alg]
//     prints "Signature-Input: ...", "Signature: ..." and, with a non-empty body,
//     "Content-Digest: sha-256=:...:", one a line. keyid is the hex SHA-256 of
//     the raw public key unless --keyid is given.
//
//   node httpsig_node.js verify --key PUBLIC.pem --method M --uri URI
//        --signature-input V --signature V [--body-file F] [--header "Name: value"]...
//     exits 0 printing "verified", or 1 printing why not. When content-digest is
//     covered, also checks its sha-256 against the body.
'use strict';

const crypto = require('crypto');
const fs = require('fs');

function fail(msg) {
  process.stdout.write(msg + '\n');
  process.exit(1);
}

function parseArgs(argv) {
  const opts = { header: [] };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (!a.startsWith('--')) fail('unexpected argument ' + a);
    const name = a.slice(2);
    if (name === 'no-alg') { opts.noAlg = true; continue; }
    if (i + 1 >= argv.length) fail('missing value for ' + a);
    const v = argv[++i];
    if (name === 'header') opts.header.push(v); else opts[name] = v;
  }
  return opts;
}

function headersOf(opts) {
  const h = new Map();
  for (const line of opts.header) {
    const colon = line.indexOf(':');
    const name = line.slice(0, colon).trim().toLowerCase();
    const value = line.slice(colon + 1).trim();
    h.set(name, h.has(name) ? h.get(name) + ', ' + value : value);
  }
  return h;
}

function sha256Digest(body) {
  return 'sha-256=:' + crypto.createHash('sha256').update(body).digest('base64') + ':';
}

function componentValue(name, opts, headers) {
  const url = new URL(opts.uri);
  switch (name) {
    case '@method': return opts.method;
    case '@target-uri': return opts.uri;
    case '@authority': return url.host;  // WHATWG: lower-case host, default port dropped
    case '@scheme': return url.protocol.replace(/:$/, '');
    case '@path': return url.pathname || '/';
    case '@query': return url.search === '' ? '?' : url.search;
    case '@request-target': return (url.pathname || '/') + url.search;
  }
  if (name.startsWith('@')) fail('unsupported derived component ' + name);
  if (!headers.has(name)) fail('covered field ' + name + ' is missing');
  return headers.get(name);
}

function signatureBase(components, paramsValue, opts, headers) {
  const lines = components.map((c) => '"' + c + '": ' + componentValue(c, opts, headers));
  lines.push('"@signature-params": ' + paramsValue);
  return lines.join('\n');
}

function keyIdOf(publicKey) {
  const raw = publicKey.export({ type: 'spki', format: 'der' }).subarray(-32);
  return crypto.createHash('sha256').update(raw).digest('hex');
}

function readBody(opts) {
  return opts['body-file'] ? fs.readFileSync(opts['body-file']) : Buffer.alloc(0);
}

function sign(opts) {
  const privateKey = crypto.createPrivateKey(fs.readFileSync(opts.key));
  const body = readBody(opts);
  const headers = headersOf(opts);
  if (body.length > 0) headers.set('content-digest', sha256Digest(body));
  const components = (opts.components || '@method,@target-uri' + (body.length ? ',content-digest' : ''))
    .split(',').filter((c) => c !== '');
  const label = opts.label || 'sig1';
  const keyid = opts.keyid || keyIdOf(crypto.createPublicKey(privateKey));
  let params = '(' + components.map((c) => '"' + c + '"').join(' ') + ')';
  params += ';created=' + opts.created + ';keyid="' + keyid + '"';
  if (!opts.noAlg) params += ';alg="ed25519"';
  if (opts.nonce) params += ';nonce="' + opts.nonce + '"';
  if (opts.tag) params += ';tag="' + opts.tag + '"';
  const base = signatureBase(components, params, opts, headers);
  const signature = crypto.sign(null, Buffer.from(base, 'latin1'), privateKey).toString('base64');
  let out = 'Signature-Input: ' + label + '=' + params + '\n';
  out += 'Signature: ' + label + '=:' + signature + ':\n';
  if (body.length > 0) out += 'Content-Digest: ' + headers.get('content-digest') + '\n';
  process.stdout.write(out);
}

function verify(opts) {
  const publicKey = crypto.createPublicKey(fs.readFileSync(opts.key));
  const body = readBody(opts);
  const headers = headersOf(opts);
  const input = /^([a-z*][a-z0-9_.*-]*)=(\(([^()]*)\).*)$/.exec(opts['signature-input'] || '');
  if (!input) fail('cannot parse Signature-Input');
  const [, label, paramsValue, inner] = input;
  const components = [...inner.matchAll(/"([^"]*)"/g)].map((m) => m[1]);
  const sig = new RegExp('^' + label.replace(/[.*]/g, '\\$&') + '=:([A-Za-z0-9+/=]*):$')
    .exec(opts.signature || '');
  if (!sig) fail('cannot parse Signature for label ' + label);
  const keyid = /;keyid="([^"]*)"/.exec(paramsValue);
  if (keyid && /^[0-9a-f]{64}$/.test(keyid[1]) && keyid[1] !== keyIdOf(publicKey)) {
    fail('keyid ' + keyid[1] + ' is not this key');
  }
  const base = signatureBase(components, paramsValue, opts, headers);
  if (!crypto.verify(null, Buffer.from(base, 'latin1'), publicKey, Buffer.from(sig[1], 'base64'))) {
    fail('signature does not verify');
  }
  if (components.includes('content-digest')) {
    const want = crypto.createHash('sha256').update(body).digest('base64');
    const got = /(?:^|,)\s*sha-256=:([A-Za-z0-9+/=]*):/.exec(headers.get('content-digest'));
    if (!got || got[1] !== want) fail('content-digest does not match the body');
  }
  process.stdout.write('verified\n');
}

const [command, ...rest] = process.argv.slice(2);
const opts = parseArgs(rest);
if (command === 'sign') sign(opts);
else if (command === 'verify') verify(opts);
else fail('usage: httpsig_node.js sign|verify --key PEM ...');
