// A real OpenID Connect provider for trying single sign-on and for the tests: the certified
// `oidc-provider` package (a dev dependency), with one client, an in-memory account store, its
// own sign-in page and a `groups` claim in the ID token, as Microsoft Entra ID sends it.
//
//   node tests/auth/oidc_provider.mjs --port 9000
//
// Options (all optional):
//   --port N            where to listen on 127.0.0.1 (9000; 0 picks a free port); the issuer
//                       is http://127.0.0.1:N
//   --app URL           the app's address (http://127.0.0.1:5000): its callback and sign-in
//                       page become the client's redirect and post-sign-out URIs
//   --client-id ID      (visit-recorder)
//   --client-secret S   (visit-recorder-test-secret)
//   --accounts FILE     a JSON list of {"email", "password", "name", "groups"}; the default
//                       accounts match the demo data's, with the password council-sso-demo
//   --test-controls     also accept POST /test-controls/next-id-token {"change": ...}, which
//                       spoils the next ID token on its way to the app, as an attacker between
//                       them would: "tamper" rewrites its email (to "email", by default the
//                       demo manager's), "other-key" re-signs it with a key it does not publish
//
// Prints "listening on http://127.0.0.1:N" once it is ready. Never use it for real accounts.
import { createSign, generateKeyPairSync, randomUUID } from 'node:crypto'
import { readFileSync } from 'node:fs'
import http from 'node:http'
import { parseArgs } from 'node:util'

import Provider from 'oidc-provider'

const { values: options } = parseArgs({
  options: {
    port: { type: 'string', default: '9000' },
    app: { type: 'string', default: 'http://127.0.0.1:5000' },
    'client-id': { type: 'string', default: 'visit-recorder' },
    'client-secret': { type: 'string', default: 'visit-recorder-test-secret' },
    accounts: { type: 'string' },
    'test-controls': { type: 'boolean', default: false }
  }
})

const DEMO_ACCOUNTS = [
  { email: 'grace@norfolk.demo.example', name: 'Grace Manager', groups: ['visit-recorder-managers'] },
  { email: 'asha@norfolk.demo.example', name: 'Asha Patel', groups: ['visit-recorder-practitioners'] },
  { email: 'admin@demo.example', name: 'Demo Admin', groups: ['visit-recorder-admins'] },
  { email: 'stranger@elsewhere.example', name: 'Someone Unknown', groups: ['visit-recorder-practitioners'] }
].map((account) => ({ ...account, password: 'council-sso-demo' }))

const accountList = options.accounts
  ? JSON.parse(readFileSync(options.accounts, 'utf8'))
  : DEMO_ACCOUNTS
// Keyed by the subject identifier, a random id per run, as a provider's own ids are opaque.
const accounts = new Map(accountList.map((account) => [randomUUID(), account]))

function accountByEmail (email) {
  const wanted = String(email || '').trim().toLowerCase()
  for (const [sub, account] of accounts) {
    if (account.email.toLowerCase() === wanted) return { sub, account }
  }
  return null
}

const appUrl = options.app.replace(/\/$/, '')

function signingKey () {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 })
  return { ...privateKey.export({ format: 'jwk' }), kid: randomUUID(), use: 'sig', alg: 'RS256' }
}
const publishedKey = signingKey()

function createProvider (issuer) {
  const provider = new Provider(issuer, {
    clients: [{
      client_id: options['client-id'],
      client_secret: options['client-secret'],
      redirect_uris: [`${appUrl}/sign-in/oidc/callback`],
      post_logout_redirect_uris: [`${appUrl}/sign-in`],
      response_types: ['code'],
      grant_types: ['authorization_code']
    }],
    jwks: { keys: [publishedKey] },
    cookies: { keys: [randomUUID()] },
    claims: {
      // Like Entra ID's groups claim: in the ID token whatever the scopes asked for.
      openid: ['sub', 'groups'],
      email: ['email', 'email_verified'],
      profile: ['name']
    },
    // Scope claims go in the ID token itself, as Entra ID puts them, not only at userinfo.
    conformIdTokenClaims: false,
    features: {
      devInteractions: { enabled: false },
      rpInitiatedLogout: {
        enabled: true,
        // The package's own page fetches a web font; this one needs nothing from elsewhere.
        async logoutSource (ctx, form) {
          ctx.body = page('Sign out of your council account', `${form}
<p><button type="submit" form="op.logoutForm" name="logout" value="yes">Yes, sign me out</button></p>
<p><button type="submit" form="op.logoutForm">No, stay signed in</button></p>`)
        }
      }
    },
    interactions: { url: (ctx, interaction) => `/interaction/${interaction.uid}` },
    // A council's own app needs no consent screen: the grant covers what it asks for.
    async loadExistingGrant (ctx) {
      const { client, session } = ctx.oidc
      const grantId = ctx.oidc.result?.consent?.grantId || session.grantIdFor(client.clientId)
      if (grantId) return ctx.oidc.provider.Grant.find(grantId)
      const grant = new ctx.oidc.provider.Grant({ clientId: client.clientId, accountId: session.accountId })
      grant.addOIDCScope('openid email profile')
      await grant.save()
      return grant
    },
    async findAccount (ctx, sub) {
      const account = accounts.get(sub)
      if (!account) return undefined
      return {
        accountId: sub,
        async claims () {
          return { sub, email: account.email, email_verified: true, name: account.name, groups: account.groups }
        }
      }
    }
  })

  provider.use(async (ctx, next) => {
    await next()
    if (ctx.path === '/token' && ctx.status === 200 && nextChange && ctx.body?.id_token) {
      ctx.body = { ...ctx.body, id_token: spoil(ctx.body.id_token, nextChange) }
      nextChange = null
    }
  })
  return provider
}

// What the next ID token suffers on its way to the app, set through --test-controls.
let nextChange = null

function spoil (idToken, { change, email }) {
  const [header, payload] = idToken.split('.')
  if (change === 'tamper') {
    const claims = { ...JSON.parse(Buffer.from(payload, 'base64url').toString()), email }
    const signature = idToken.split('.')[2]
    return `${header}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.${signature}`
  }
  const signedPart = `${header}.${payload}` // change === 'other-key'
  const signature = createSign('RSA-SHA256').update(signedPart).sign({ key: signingKey(), format: 'jwk' })
  return `${signedPart}.${signature.toString('base64url')}`
}

function escape (text) {
  return String(text).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`)
}

function page (title, body) {
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>${escape(title)}</title></head>
<body><main><h1>${escape(title)}</h1>
${body}
</main></body></html>`
}

function signInPage (uid, email = '', error = '') {
  return page('Sign in to your council account', `${error ? `<p role="alert">${escape(error)}</p>` : ''}
<form method="post" action="/interaction/${escape(uid)}/login">
<p><label for="email">Email address</label> <input id="email" name="email" type="email" value="${escape(email)}" autocomplete="username"></p>
<p><label for="password">Password</label> <input id="password" name="password" type="password" autocomplete="current-password"></p>
<p><button type="submit">Continue</button></p>
</form>`)
}

async function readBody (req) {
  let body = ''
  for await (const chunk of req) body += chunk
  return body
}

function html (res, page) {
  res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' })
  res.end(page)
}

async function interaction (provider, req, res, uid, action) {
  const details = await provider.interactionDetails(req, res)
  if (details.uid !== uid || details.prompt.name !== 'login') {
    res.writeHead(400, { 'content-type': 'text/plain' }).end('This sign-in has expired: start again.')
  } else if (req.method === 'GET' && !action) {
    html(res, signInPage(uid))
  } else if (req.method === 'POST' && action === 'login') {
    const form = new URLSearchParams(await readBody(req))
    const found = accountByEmail(form.get('email'))
    if (!found || found.account.password !== form.get('password')) {
      html(res, signInPage(uid, form.get('email') || '', 'Wrong email address or password.'))
    } else {
      const result = { login: { accountId: found.sub } }
      await provider.interactionFinished(req, res, result, { mergeWithLastSubmission: false })
    }
  } else {
    res.writeHead(405).end()
  }
}

async function testControls (req, res) {
  const { change, email = 'grace@norfolk.demo.example' } = JSON.parse((await readBody(req)) || '{}')
  if (!['tamper', 'other-key'].includes(change)) {
    res.writeHead(400, { 'content-type': 'text/plain' }).end('change must be "tamper" or "other-key"')
    return
  }
  nextChange = { change, email }
  res.writeHead(204).end()
}

// Listen first: with --port 0 the issuer's port is known only then.
const server = http.createServer()
server.listen(Number(options.port), '127.0.0.1', () => {
  const issuer = `http://127.0.0.1:${server.address().port}`
  const provider = createProvider(issuer)
  const handleProvider = provider.callback()
  server.on('request', (req, res) => {
    const { pathname } = new URL(req.url, issuer)
    const match = pathname.match(/^\/interaction\/([\w-]+)(?:\/(login))?$/)
    let handled = null
    if (match) handled = interaction(provider, req, res, match[1], match[2])
    else if (options['test-controls'] && req.method === 'POST' && pathname === '/test-controls/next-id-token') {
      handled = testControls(req, res)
    }
    if (!handled) return handleProvider(req, res)
    handled.catch((error) => {
      console.error(`interaction failed: ${error.name}`)
      if (!res.headersSent) res.writeHead(400, { 'content-type': 'text/plain' })
      res.end('This sign-in could not continue: start again.')
    })
  })
  console.log(`listening on ${issuer}`)
})

for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => process.exit(0))
}
