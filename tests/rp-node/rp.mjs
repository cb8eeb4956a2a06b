// Drives Stile with openid-client (v6, an OpenID-certified relying-party library) for
// tests/it/client_keys_rp.rs: private_key_jwt at the token, introspection and revocation
// endpoints; a pushed authorization request (PAR) whose code is exchanged with DPoP; userinfo and
// a refresh with the same DPoP key; the pushed request's proof binds the code to its key. Reads one JSON object on stdin, prints one on stdout:
//   { issuer, machine: {client_id, pkcs8}, app: {client_id, pkcs8, redirect_uri}, cookie }
// `pkcs8` is a base64 PKCS#8 P-256 private key; `cookie` signs the browser part in.
import * as client from 'openid-client';
import { webcrypto } from 'node:crypto';

const input = JSON.parse(await new Promise((resolve) => {
  let data = '';
  process.stdin.on('data', (c) => { data += c; });
  process.stdin.on('end', () => resolve(data));
}));

const importKey = (pkcs8) => webcrypto.subtle.importKey(
  'pkcs8', Buffer.from(pkcs8, 'base64'), { name: 'ECDSA', namedCurve: 'P-256' }, false, ['sign']);

const configFor = async (c) => {
  const key = await importKey(c.pkcs8);
  return client.discovery(new URL(input.issuer), c.client_id, { id_token_signed_response_alg: 'RS256' },
    client.PrivateKeyJwt({ key, kid: 'k1' }), { execute: [client.allowInsecureRequests] });
};

const out = {};

// Machine to machine: client_credentials with private_key_jwt and DPoP, then introspection and
// revocation with private_key_jwt.
{
  const config = await configFor(input.machine);
  const dpop = client.getDPoPHandle(config, await client.randomDPoPKeyPair('ES256'));
  const tokens = await client.clientCredentialsGrant(config, { scope: 'streetworks' }, { DPoP: dpop });
  out.machine_token_type = tokens.token_type;
  const introspected = await client.tokenIntrospection(config, tokens.access_token);
  out.machine_introspection = introspected;
  await client.tokenRevocation(config, tokens.access_token);
  out.machine_after_revoke = (await client.tokenIntrospection(config, tokens.access_token)).active;
}

// A person: PAR, the browser part with the signed-in cookie, the code exchanged with DPoP,
// userinfo and a refresh with the same key.
{
  const config = await configFor(input.app);
  const dpop = client.getDPoPHandle(config, await client.randomDPoPKeyPair('ES256'));
  const verifier = client.randomPKCECodeVerifier();
  const state = client.randomState();
  const nonce = client.randomNonce();
  const url = await client.buildAuthorizationUrlWithPAR(config, {
    redirect_uri: input.app.redirect_uri,
    scope: 'openid email offline_access',
    code_challenge: await client.calculatePKCECodeChallenge(verifier),
    code_challenge_method: 'S256',
    state,
    nonce,
  }, { DPoP: dpop });
  out.authorize_url = url.href;
  const res = await fetch(url, { redirect: 'manual', headers: { cookie: input.cookie } });
  const callback = res.headers.get('location');
  out.callback = callback;
  const tokens = await client.authorizationCodeGrant(config, new URL(callback), {
    pkceCodeVerifier: verifier, expectedState: state, expectedNonce: nonce,
  }, undefined, { DPoP: dpop });
  out.code_token_type = tokens.token_type;
  const claims = tokens.claims();
  out.sub = claims.sub;
  const info = await client.fetchUserInfo(config, tokens.access_token, claims.sub, { DPoP: dpop });
  out.userinfo_email = info.email;
  const refreshed = await client.refreshTokenGrant(config, tokens.refresh_token, undefined, { DPoP: dpop });
  out.refresh_token_type = refreshed.token_type;
  out.refreshed_access_token = refreshed.access_token;
  // The client requires DPoP, so its refresh token is bound too, and introspection says so.
  out.refresh_introspection = await client.tokenIntrospection(config, refreshed.refresh_token, { token_type_hint: 'refresh_token' });
  // The old refresh token again: rotated, so refused.
  try {
    await client.refreshTokenGrant(config, tokens.refresh_token, undefined, { DPoP: dpop });
    out.reuse = 'accepted';
  } catch (e) {
    out.reuse = e.error ?? e.code ?? String(e);
  }
}

// The PAR proof bound the code to its key (RFC 9449 §10): redeemed with another key, refused.
{
  const config = await configFor(input.app);
  const dpop = client.getDPoPHandle(config, await client.randomDPoPKeyPair('ES256'));
  const other = client.getDPoPHandle(config, await client.randomDPoPKeyPair('ES256'));
  const verifier = client.randomPKCECodeVerifier();
  const state = client.randomState();
  const url = await client.buildAuthorizationUrlWithPAR(config, {
    redirect_uri: input.app.redirect_uri,
    scope: 'openid',
    code_challenge: await client.calculatePKCECodeChallenge(verifier),
    code_challenge_method: 'S256',
    state,
  }, { DPoP: dpop });
  const res = await fetch(url, { redirect: 'manual', headers: { cookie: input.cookie } });
  const callback = new URL(res.headers.get('location'));
  try {
    await client.authorizationCodeGrant(config, callback, { pkceCodeVerifier: verifier, expectedState: state }, undefined, { DPoP: other });
    out.other_key = 'accepted';
  } catch (e) {
    out.other_key = e.error ?? e.code ?? String(e);
  }
  // The same code, now with the key the request was pushed with.
  const tokens = await client.authorizationCodeGrant(config, callback, { pkceCodeVerifier: verifier, expectedState: state }, undefined, { DPoP: dpop });
  out.right_key_token_type = tokens.token_type;
}

process.stdout.write(JSON.stringify(out));
