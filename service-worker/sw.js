/* The visit recorder's service worker, served at /sw.js with its placeholders filled in
   (webapp/field/precache.py). Plain JavaScript, no build step.

   - Precache, with versions: the app shell, CSS, JS, icons, the two form shells and /offline,
     in `precache-<VERSION>`.
   - Pages: network first; offline, the cached copy, then /offline. The forms offline are
     always the precached shells. Pages holding personal data
     (caseload, child, My records) are cached per user, in `pages-user-<id>-<VERSION>`, and only
     ever served to that user; signing out deletes them.
   - Static files: cache first.
   - Never cached: /api/ answers, and anything but GET.
   - Activation deletes other versions' caches and never touches IndexedDB, where drafts and
     the outbox live.
   - A person's pages are shown only while their session on this device lasts: each page from
     the server says how many seconds it has left, and after that (or once they have signed
     out) personal pages give way to /sign-in-needed, with or without signal. A sign-out made
     without signal is pending until a page sends it: until then every navigation gets
     /signed-out, so nothing reaches the server under the old session's cookie. */

const VERSION = '__VERSION__'
const PRECACHE_MANIFEST = __PRECACHE_MANIFEST__ // eslint-disable-line no-undef

const PRECACHE = `precache-${VERSION}`
const RUNTIME_ASSETS = `assets-${VERSION}`
const USER_PAGES_PREFIX = 'pages-user-'
// Who is signed in on this device, kept across the worker's restarts. Not versioned: it
// outlives updates, and holds nothing but an id.
const STATE_CACHE = 'sw-state'
const CURRENT_USER_KEY = '/__sw/current-user'
// {userId, endsAt}: when that person's session on this device ends, in this device's ms.
const SESSION_KEY = '/__sw/session'
// {userId}: signed out without signal; the server has not been told yet.
const PENDING_SIGN_OUT_KEY = '/__sw/pending-sign-out'
const OFFLINE_URL = '/offline'
const SIGN_IN_NEEDED_URL = '/sign-in-needed'
const SIGNED_OUT_URL = '/signed-out'
const SECONDS_LEFT_META = /<meta name="session-seconds-left" content="(\d+)">\s*/
const NETWORK_TIMEOUT_MS = 8000 // a bar of signal that never answers is no signal

// Pages worth keeping for offline use once visited, as (path) => boolean.
const USER_PAGE_PATHS = [
  (path) => path === '/',
  (path) => path.startsWith('/children/'),
  (path) => path === '/records',
  (path) => path.startsWith('/records/')
]
// The record forms are never kept per user: a form rendered for one link holds that link's
// child and values. Offline, every link to a form gets the precached shell, which holds no
// child and no values; the page then chooses the child the link names.
const FORM_PATHS = ['/visits/new', '/notes/new']

function userPagesCache (userId) {
  return `${USER_PAGES_PREFIX}${userId}-${VERSION}`
}

function isOurVersioned (name) {
  return /^(precache|assets)-/.test(name) || name.startsWith(USER_PAGES_PREFIX)
}

async function currentUser () {
  const cache = await caches.open(STATE_CACHE)
  const response = await cache.match(CURRENT_USER_KEY)
  return response ? (await response.text()) || null : null
}

async function setCurrentUser (userId) {
  const cache = await caches.open(STATE_CACHE)
  if (userId) await cache.put(CURRENT_USER_KEY, new Response(String(userId)))
  else await cache.delete(CURRENT_USER_KEY)
}

async function readState (key) {
  const response = await (await caches.open(STATE_CACHE)).match(key)
  return response ? response.json() : null
}

async function writeState (key, value) {
  const cache = await caches.open(STATE_CACHE)
  if (value) await cache.put(key, new Response(JSON.stringify(value)))
  else await cache.delete(key)
}

/** The person signed in on this device whose session has not ended, or null. */
async function liveUser () {
  const [userId, session] = await Promise.all([currentUser(), readState(SESSION_KEY)])
  return userId && session && session.userId === userId && session.endsAt > Date.now() ? userId : null
}

// Sign-outs this worker has carried out. A page fetched before one (a warm-up, a navigation)
// is not kept after it: it would put the signed-out person's pages back on the device.
let sessionEnds = 0

async function endSession (userId) {
  sessionEnds += 1
  await deleteUserPages(userId)
  if ((await currentUser()) === String(userId)) await setCurrentUser(null)
  const session = await readState(SESSION_KEY)
  if (session && session.userId === String(userId)) await writeState(SESSION_KEY, null)
}

async function deleteUserPages (userId) {
  const names = await caches.keys()
  await Promise.all(
    names.filter((name) => name.startsWith(`${USER_PAGES_PREFIX}${userId}-`)).map((name) => caches.delete(name))
  )
}

self.addEventListener('install', (event) => {
  event.waitUntil((async () => {
    const cache = await caches.open(PRECACHE)
    // All or nothing: if one file fails, this version is not installed and the old one stays.
    // Without cookies: the precached pages are shells that belong to nobody, and an answer's
    // session cookie must never overwrite the one a sign-in is setting at the same moment.
    await cache.addAll(PRECACHE_MANIFEST.map((entry) => new Request(entry.url, { cache: 'reload', credentials: 'omit' })))
    await self.skipWaiting()
  })())
})

self.addEventListener('activate', (event) => {
  event.waitUntil((async () => {
    const names = await caches.keys()
    const current = new Set([PRECACHE, RUNTIME_ASSETS])
    for (const name of names) {
      if (!isOurVersioned(name) || current.has(name)) continue
      if (name.startsWith(USER_PAGES_PREFIX) && !name.endsWith(`-${VERSION}`)) {
        // A user's pages from the last version: carried over, so that an update made while
        // online does not take the caseload away from the next trip out of signal.
        const userId = name.slice(USER_PAGES_PREFIX.length, name.lastIndexOf('-'))
        await copyCache(name, userPagesCache(userId))
      }
      if (!name.endsWith(`-${VERSION}`)) await caches.delete(name)
    }
    // IndexedDB is deliberately left alone: drafts and the outbox survive every update.
    await self.clients.claim()
  })())
})

async function copyCache (fromName, toName) {
  const from = await caches.open(fromName)
  const to = await caches.open(toName)
  for (const request of await from.keys()) {
    if (await to.match(request)) continue
    const response = await from.match(request)
    if (response) await to.put(request, response)
  }
}

self.addEventListener('message', (event) => {
  const message = event.data || {}
  const reply = (answer) => event.ports[0]?.postMessage(answer)
  if (message.type === 'set-user') {
    event.waitUntil((async () => {
      await setCurrentUser(message.userId)
      if (typeof message.endsAt === 'number') {
        await writeState(SESSION_KEY, { userId: String(message.userId), endsAt: message.endsAt })
      }
      reply({ ok: true })
      if (message.endsAt !== 0) await warmUserPages(String(message.userId))
    })())
  } else if (message.type === 'sign-out') {
    event.waitUntil((async () => {
      await endSession(message.userId)
      reply({ ok: true })
    })())
  } else if (message.type === 'sign-out-pending') {
    event.waitUntil((async () => {
      await endSession(message.userId)
      await writeState(PENDING_SIGN_OUT_KEY, { userId: String(message.userId) })
      reply({ ok: true })
    })())
  } else if (message.type === 'sign-out-sent') {
    event.waitUntil((async () => {
      await writeState(PENDING_SIGN_OUT_KEY, null)
      reply({ ok: true })
    })())
  } else if (message.type === 'version') {
    reply({ version: VERSION })
  }
})

self.addEventListener('fetch', (event) => {
  const request = event.request
  if (request.method !== 'GET') return
  const url = new URL(request.url)
  if (url.origin !== self.location.origin) return
  if (url.pathname.startsWith('/api/') || url.pathname === '/sw.js') return
  if (request.mode === 'navigate') {
    event.respondWith(navigate(event))
  } else if (url.pathname.startsWith('/static/') || url.pathname.startsWith('/assets/') || url.pathname === '/manifest.webmanifest') {
    event.respondWith(staticFile(request))
  }
  // Anything else (htmx fragments, the pages sync.mjs reads) goes to the network untouched.
})

function withTimeout (promise, ms) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('network timeout')), ms)
    promise.then((value) => { clearTimeout(timer); resolve(value) }, (error) => { clearTimeout(timer); reject(error) })
  })
}

function precached (path) {
  return caches.match(path, { cacheName: PRECACHE })
}

function isPersonalPath (path) {
  return FORM_PATHS.includes(path) || USER_PAGE_PATHS.some((matches) => matches(path))
}

async function navigate (event) {
  const request = event.request
  const url = new URL(request.url)
  // Signed out without signal: the old session's cookie must not reach the server before the
  // sign-out does. The signed-out page sends it, then moves on.
  if (await readState(PENDING_SIGN_OUT_KEY)) {
    const page = await precached(SIGNED_OUT_URL)
    if (page) return page
  }
  try {
    const response = await withTimeout(fetch(request), NETWORK_TIMEOUT_MS)
    if (response.ok && !response.redirected && USER_PAGE_PATHS.some((matches) => matches(url.pathname))) {
      event.waitUntil(keepUserPage(url, response.clone()))
    }
    return response
  } catch (error) {
    if (isPersonalPath(url.pathname) || url.pathname === '/sign-in') {
      const userId = isPersonalPath(url.pathname) ? await liveUser() : null
      const page = userId ? await cachedPage(url, userId) : await precached(SIGN_IN_NEEDED_URL)
      if (page) return page
    }
    return (await cachedPage(url, null)) || (await precached(OFFLINE_URL)) ||
      new Response('You are offline, and this page has not been saved on this device.', {
        status: 503,
        headers: { 'Content-Type': 'text/plain; charset=utf-8' }
      })
  }
}

// Pages fetched for the user as soon as they sign in, so that the caseload and My records are
// there offline even if they never opened them while they had signal; then the pages these
// link to that are worth keeping (each child's page, each of the user's own records), so that
// what the caseload search finds offline, and each record listed, can be opened too.
const WARM_PATHS = ['/', '/records']
const WARM_LINKED = /href="(\/children\/[A-Za-z0-9._-]+|\/records\/[0-9a-f-]{36})"/g
const WARM_LINKED_MAX = 200

async function warmUserPages (userId) {
  const ends = sessionEnds
  // Looked up without opening: opening would make the cache, even after a sign-out.
  const kept = (href) => caches.match(href, { cacheName: userPagesCache(userId) })
  const linked = new Set()
  for (const path of WARM_PATHS) {
    const url = new URL(path, self.location.origin)
    let page = await kept(url.href)
    if (!page) {
      try {
        const response = await fetch(url.href, { credentials: 'same-origin', cache: 'no-store' })
        if (!response.ok || response.redirected) continue
        if (!(await keepUserPage(url, response, ends))) return
        page = await kept(url.href)
      } catch (error) {
        return // offline: next time
      }
    }
    if (!page) continue
    for (const match of (await page.text()).matchAll(WARM_LINKED)) linked.add(match[1])
  }
  for (const path of Array.from(linked).slice(0, WARM_LINKED_MAX)) {
    const url = new URL(path, self.location.origin)
    if (await kept(url.href)) continue
    try {
      const response = await fetch(url.href, { credentials: 'same-origin', cache: 'no-store' })
      if (response.ok && !response.redirected && !(await keepUserPage(url, response, ends))) return
    } catch (error) {
      return
    }
  }
}

/** Keep a page for offline use, under the user it was rendered for (its user-id meta tag).
 * False when a sign-out came while it was on its way (`ends` is the count when it was asked
 * for): then nothing is kept, and the caller stops. */
async function keepUserPage (url, response, ends = sessionEnds) {
  const fresh = await response.text()
  const match = /<meta name="user-id" content="([^"]+)"/.exec(fresh)
  if (!match) return true // a shell or a signed-out page: nobody's
  const userId = match[1]
  if (ends !== sessionEnds) return false
  // The server just rendered a page for this person: they are who is signed in here now,
  // for as long as it says.
  if ((await currentUser()) !== userId) await setCurrentUser(userId)
  const secondsLeft = SECONDS_LEFT_META.exec(fresh)
  if (secondsLeft) await writeState(SESSION_KEY, { userId, endsAt: Date.now() + Number(secondsLeft[1]) * 1000 })
  // The countdown is true only as the page arrives: the copy kept holds none, so a page shown
  // from the cache never makes the session look longer.
  const html = fresh.replace(SECONDS_LEFT_META, '')
  const headers = new Headers(response.headers)
  if (ends !== sessionEnds) return false
  const cache = await caches.open(userPagesCache(userId))
  await cache.put(url.href, new Response(html, { status: response.status, statusText: response.statusText, headers }))
  if (ends !== sessionEnds) { // signed out during the put: take it back
    await deleteUserPages(userId)
    return false
  }
  return true
}

async function cachedPage (url, userId) {
  if (userId && !FORM_PATHS.includes(url.pathname) && (await caches.has(userPagesCache(userId)))) {
    const cache = await caches.open(userPagesCache(userId))
    const page = (await cache.match(url.href)) || (await cache.match(url.href, { ignoreSearch: true }))
    if (page) return page
  }
  const precache = await caches.open(PRECACHE)
  return precache.match(url.href, { ignoreSearch: true })
}

async function staticFile (request) {
  const cached = await caches.match(request, { ignoreSearch: false })
  if (cached) return cached
  const response = await fetch(request)
  if (response.ok) {
    const cache = await caches.open(RUNTIME_ASSETS)
    await cache.put(request, response.clone())
  }
  return response
}
