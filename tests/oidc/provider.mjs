// A real OpenID Provider for the test suite: oidc-provider (a certified implementation) on
// 127.0.0.1, on a free port, with its development login and consent pages.
//
// Environment: OP_CLIENTS (JSON list of {client_id, client_secret, redirect_uris}),
// OP_LIFETIME_SECONDS (the process exits by itself after this long; default 600).
// Prints one JSON line {"issuer": "..."} on stdout once it listens.
//
// Accounts: any login is accepted; the login is the subject. Its email is the login when it
// holds an "@" (else login@example.com); a login starting with "unverified" has
// email_verified=false.
//
// Test control, POST /__test__/tamper with a JSON body {claim: value, ...}: the next ID token
// issued by the token endpoint has those claims replaced, re-signed with the provider's own key
// (so that only the relying party's iss / aud / exp / nonce checks can refuse it).
import http from 'node:http';
import { generateKeyPair, exportJWK, decodeJwt, decodeProtectedHeader, SignJWT } from 'jose';
import Provider from 'oidc-provider';

const clients = JSON.parse(process.env.OP_CLIENTS || '[]').map((c) => ({
  grant_types: ['authorization_code'],
  response_types: ['code'],
  token_endpoint_auth_method: 'client_secret_basic',
  ...c,
}));
const lifetime = Number(process.env.OP_LIFETIME_SECONDS || 600);

const { privateKey } = await generateKeyPair('RS256', { extractable: true });
const jwk = { ...(await exportJWK(privateKey)), kid: 'test-key-1', alg: 'RS256', use: 'sig' };

let tamper = null;
const server = http.createServer();
await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
const issuer = `http://127.0.0.1:${server.address().port}`;

const provider = new Provider(issuer, {
  clients,
  jwks: { keys: [jwk] },
  cookies: { keys: ['taskdesk-test-cookie-key'] },
  pkce: { required: () => true },
  conformIdTokenClaims: false,
  claims: {
    openid: ['sub'],
    email: ['email', 'email_verified'],
    profile: ['name', 'preferred_username'],
  },
  async findAccount(ctx, id) {
    const email = id.includes('@') ? id : `${id}@example.com`;
    return {
      accountId: id,
      async claims() {
        return {
          sub: id,
          email,
          email_verified: !id.startsWith('unverified'),
          name: id.split('@')[0],
          preferred_username: id.split('@')[0],
        };
      },
    };
  },
});
provider.proxy = false;

provider.use(async (ctx, next) => {
  if (ctx.path === '/__test__/tamper' && ctx.method === 'POST') {
    const chunks = [];
    for await (const chunk of ctx.req) chunks.push(chunk);
    tamper = JSON.parse(Buffer.concat(chunks).toString() || '{}');
    ctx.status = 204;
    return;
  }
  await next();
  if (ctx.path === '/token' && tamper && ctx.body && ctx.body.id_token) {
    const claims = { ...decodeJwt(ctx.body.id_token), ...tamper };
    const header = decodeProtectedHeader(ctx.body.id_token);
    ctx.body = {
      ...ctx.body,
      id_token: await new SignJWT(claims).setProtectedHeader(header).sign(privateKey),
    };
    tamper = null;
  }
});

server.on('request', provider.callback());
process.stdout.write(`${JSON.stringify({ issuer })}\n`);
setTimeout(() => process.exit(0), lifetime * 1000);
for (const signal of ['SIGTERM', 'SIGINT']) process.on(signal, () => process.exit(0));
