// The session and the server: the signing key (in memory only, never in storage), the
// signed and public requests of docs/api.md, and errors as values the views show.

import { importSigningKey, signRequest } from './httpsig.js';
import { hex } from './verify.js';

// An answer other than 2xx: the status and the server's own words ({"error": TEXT}).
export class ApiError extends Error {
  constructor(status, words) {
    super(words);
    this.name = 'ApiError';
    this.status = status;
    this.words = words;
  }
}

let session = null;  // { privateKey, publicKey, keyId, who }

export const signedIn = () => session !== null;
export const who = () => session?.who ?? null;

// Imports the key in `file` (a File from an <input type=file>) and asks the server who it
// is. Throws KeyFileError (the file) or ApiError (the server refused the key).
export async function signIn(file) {
  const text = await file.text();
  const key = await importSigningKey(text);
  const candidate = { ...key, who: null };
  const previous = session;
  session = candidate;
  try {
    candidate.who = await getJson('/v1/whoami');
  } catch (e) {
    session = previous;
    throw e;
  }
  return candidate.who;
}

export function signOut() {
  session = null;
}

function nonce() {
  return hex(crypto.getRandomValues(new Uint8Array(12)));
}

// The URL exactly as fetch() will send it: the URL parser, not the caller, decides the
// request target's spelling (it escapes "'" in a query, for one, which
// encodeURIComponent leaves alone), so the page signs and fetches this one URL.
export function requestUrl(path, origin = location.origin) {
  const url = new URL(path, origin);
  url.hash = '';
  return url;
}

// "@target-uri" of docs/api.md: scheme, "://", the Host field as the browser sends it
// (the URL's host: no default port), and the request target (path and query) as sent.
export const targetUri = (url) => `${url.protocol}//${url.host}${url.pathname}${url.search}`;

async function request(path, { signed = true } = {}) {
  const headers = {};
  const url = requestUrl(path);
  if (signed) {
    if (!session) throw new ApiError(0, 'not signed in');
    Object.assign(headers, await signRequest(session.privateKey, {
      method: 'GET',
      uri: targetUri(url),
      created: Math.floor(Date.now() / 1000),
      keyId: session.keyId,
      nonce: nonce(),
    }));
  }
  let response;
  try {
    response = await fetch(url.href, { headers, cache: 'no-store', credentials: 'omit',
                                   redirect: 'error' });
  } catch (e) {
    throw new ApiError(-1, String(e?.message ?? e));
  }
  if (!response.ok) {
    let words = '';
    const body = await response.text();
    try {
      words = JSON.parse(body).error ?? body;
    } catch {
      words = body;
    }
    throw new ApiError(response.status, String(words).slice(0, 2000));
  }
  return response;
}

export async function getJson(path, options) {
  return (await request(path, options)).json();
}

export async function getText(path, options) {
  return (await request(path, options)).text();
}

export async function getBlob(path, options) {
  return (await request(path, options)).blob();
}
