// A real OpenID Connect provider (oidc-provider) for Stile's upstream-OIDC tests.
//
// Settings come from the environment:
//   PORT           port to listen on (127.0.0.1); the issuer is http://127.0.0.1:PORT
//   CLIENT_ID      Stile's client id here
//   CLIENT_SECRET  Stile's client secret here
//   REDIRECT_URI   the connection's callback ({stile}/sso/oidc/callback/{connection id})
//   ACCOUNTS_FILE  a JSON file, re-read on every use so a test can change groups between
//                  sign-ins: { "<login_hint>": { "sub", "email", "email_verified", "name",
//                  "groups": [...], "amr": [...], "cancel": false } }
// There is no login form: the account is the one named by the login_hint Stile forwards; an
// unknown hint or "cancel": true ends the interaction with access_denied. Prints READY when
// listening.
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import Provider from 'oidc-provider';

const env = (name) => {
  const v = process.env[name];
  if (!v) {
    console.error(`${name} must be set`);
    process.exit(2);
  }
  return v;
};

const port = Number(env('PORT'));
const issuer = `http://127.0.0.1:${port}`;
const accountsFile = env('ACCOUNTS_FILE');
const accounts = () => JSON.parse(fs.readFileSync(accountsFile, 'utf8'));
const bySub = (sub) => Object.values(accounts()).find((a) => a.sub === sub);

const { privateKey } = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
const signingKey = { ...privateKey.export({ format: 'jwk' }), kid: 'upstream-test-1', use: 'sig', alg: 'RS256' };

const provider = new Provider(issuer, {
  clients: [
    {
      client_id: env('CLIENT_ID'),
      client_secret: env('CLIENT_SECRET'),
      redirect_uris: [env('REDIRECT_URI')],
      response_types: ['code'],
      grant_types: ['authorization_code'],
      token_endpoint_auth_method: 'client_secret_basic',
    },
  ],
  jwks: { keys: [signingKey] },
  cookies: { keys: [crypto.randomBytes(32).toString('hex')] },
  claims: { openid: ['sub', 'amr'], email: ['email', 'email_verified'], profile: ['name', 'groups'] },
  // Scope claims in the ID token too, as Entra ID and Google put them there.
  conformIdTokenClaims: false,
  features: { devInteractions: { enabled: false } },
  interactions: { url: (ctx, interaction) => `/interaction/${interaction.uid}` },
  async findAccount(ctx, sub) {
    const a = bySub(sub);
    if (!a) return undefined;
    return {
      accountId: sub,
      async claims() {
        const current = bySub(sub) || a;
        return {
          sub,
          email: current.email,
          email_verified: current.email_verified !== false,
          name: current.name,
          groups: current.groups || [],
        };
      },
    };
  },
  // First-party: no consent screen.
  async loadExistingGrant(ctx) {
    const grantId = ctx.oidc.result?.consent?.grantId || ctx.oidc.session.grantIdFor(ctx.oidc.client.clientId);
    if (grantId) return ctx.oidc.provider.Grant.find(grantId);
    const grant = new ctx.oidc.provider.Grant({ clientId: ctx.oidc.client.clientId, accountId: ctx.oidc.session.accountId });
    grant.addOIDCScope('openid email profile');
    await grant.save();
    return grant;
  },
});

const callback = provider.callback();

const server = http.createServer(async (req, res) => {
  if (req.url.startsWith('/interaction/')) {
    try {
      const details = await provider.interactionDetails(req, res);
      const a = accounts()[details.params.login_hint];
      const result = !a || a.cancel
        ? { error: 'access_denied', error_description: 'the user cancelled the sign-in' }
        : { login: { accountId: a.sub, amr: a.amr || ['pwd'], remember: false } };
      await provider.interactionFinished(req, res, result, { mergeWithLastSubmission: false });
    } catch (e) {
      res.statusCode = 500;
      res.end(String(e));
    }
    return;
  }
  callback(req, res);
});

server.listen(port, '127.0.0.1', () => console.log('READY'));
