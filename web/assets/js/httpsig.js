// Request signing as docs/api.md ("Signing a request") specifies: RFC 9421 HTTP Message
// Signatures over "@method" and "@target-uri", Ed25519, keyid = hex SHA-256 of the raw
// public key. And the sign-in key: a PKCS#8 Ed25519 PEM file, imported into WebCrypto
// as a non-extractable key that lives in memory only. No DOM, no network: Node runs
// this too (tests/web/verify_test.mjs reproduces the worked example of docs/api.md).

import { b64decode, b64encode, hex, sha256 } from './verify.js';

export class KeyFileError extends Error {
  constructor(message) {
    super(message);
    this.name = 'KeyFileError';
  }
}

// The DER inside a "PRIVATE KEY" PEM block.
export function pemToDer(text) {
  if (/-----BEGIN ENCRYPTED PRIVATE KEY-----/.test(text))
    throw new KeyFileError('encrypted');
  const m = /-----BEGIN PRIVATE KEY-----([A-Za-z0-9+/=\s]+)-----END PRIVATE KEY-----/.exec(text);
  if (!m) throw new KeyFileError('not-pem');
  try {
    return b64decode(m[1].replace(/\s+/g, ''));
  } catch {
    throw new KeyFileError('not-pem');
  }
}

const b64urlToBytes = (text) => {
  const b64 = text.replace(/-/g, '+').replace(/_/g, '/');
  return b64decode(b64 + '='.repeat((4 - (b64.length % 4)) % 4));
};

// Imports a PKCS#8 Ed25519 private key. The public key is read once through a
// short-lived extractable copy (its JWK "x"); the key kept is not extractable. Returns
// { privateKey, publicKey (32 raw bytes), keyId (64 hex) } or throws KeyFileError.
export async function importSigningKey(pemText) {
  const der = pemToDer(pemText);
  try {
    const probe = await crypto.subtle.importKey('pkcs8', der, { name: 'Ed25519' }, true,
                                                ['sign']);
    const jwk = await crypto.subtle.exportKey('jwk', probe);
    const publicKey = b64urlToBytes(jwk.x);
    jwk.d = '';
    const privateKey = await crypto.subtle.importKey('pkcs8', der, { name: 'Ed25519' }, false,
                                                     ['sign']);
    if (publicKey.length !== 32) throw new KeyFileError('not-ed25519');
    return { privateKey, publicKey, keyId: hex(await sha256(publicKey)) };
  } catch (e) {
    if (e instanceof KeyFileError) throw e;
    throw new KeyFileError('not-ed25519');
  } finally {
    der.fill(0);
  }
}

// The "@signature-params" value. `nonce` (optional) makes two requests signed for the
// same target in the same second differ, since the server refuses a repeated signature.
export function signatureParams({ created, keyId, nonce }) {
  let params = `("@method" "@target-uri");created=${created};keyid="${keyId}";alg="ed25519"`;
  if (nonce) params += `;nonce="${nonce}"`;
  return params;
}

// The RFC 9421 signature base: one line per component, then the parameters line, no
// final newline. `uri` is scheme://host + the request target exactly as sent.
export function signatureBase(method, uri, params) {
  return `"@method": ${method}\n"@target-uri": ${uri}\n"@signature-params": ${params}`;
}

// The Signature-Input and Signature fields for one request.
export async function signRequest(privateKey, { method, uri, created, keyId, nonce }) {
  const params = signatureParams({ created, keyId, nonce });
  const base = new TextEncoder().encode(signatureBase(method, uri, params));
  const signature = new Uint8Array(await crypto.subtle.sign({ name: 'Ed25519' }, privateKey,
                                                            base));
  return {
    'Signature-Input': `sig1=${params}`,
    'Signature': `sig1=:${b64encode(signature)}:`,
  };
}
