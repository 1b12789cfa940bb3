// Who is signed in on this device, and until when. The server says so in every page it renders
// (<meta name="user-id">, and <meta name="session-seconds-left">, counted down on the device's
// own clock so that a wrong clock does not matter). A page the service worker served from its
// cache carries no countdown (the worker strips it), so offline the device's own note stands in:
// `session` in the device database, {userId, endsAt} in the device's milliseconds.
//
// When the session has ended, or the person signed out without signal, the pages and the
// service worker refuse to act for them: personal pages give way to /sign-in-needed or
// /signed-out, and nothing is sent. A sign-out made without signal waits in `pending_sign_out`
// and is sent as soon as there is signal, before anything else.
import { COUNCIL_NAME_SETTING } from './council-name.mjs'
import { getDeviceSetting, setDeviceSetting } from './db.mjs'
import { CHANNEL_NAME } from './sync.mjs'

export const SIGN_IN_NEEDED_URL = '/sign-in-needed'
export const SIGNED_OUT_URL = '/signed-out'

function meta (name) {
  return document.querySelector(`meta[name="${name}"]`)?.content || null
}

function pageUserId () {
  return meta('user-id')
}

/** Whether this page acts for the signed-in person (rather than being public). */
export function isPersonalPage () {
  return meta('app-page') === 'personal'
}

/** The sign-in page, which the server sends only to someone without a session. */
export function isSignInPage () {
  return meta('app-page') === 'sign-in'
}

/** Whether this is the page shown after signing out without signal. */
export function isSignedOutPage () {
  return meta('app-page') === 'signed-out'
}

/** Tell the service worker something and wait for its answer (or give up after a while). */
export function tellServiceWorker (message, timeoutMs = 3000) {
  const worker = navigator.serviceWorker?.controller
  if (!worker) return Promise.resolve(null)
  return new Promise((resolve) => {
    const channel = new MessageChannel()
    const timer = setTimeout(() => resolve(null), timeoutMs)
    channel.port1.onmessage = (event) => {
      clearTimeout(timer)
      resolve(event.data)
    }
    worker.postMessage(message, [channel.port2])
  })
}

async function noteSession (userId, secondsLeft) {
  const session = { userId, endsAt: Date.now() + secondsLeft * 1000 }
  await setDeviceSetting('session', session)
  await setDeviceSetting('current_user_id', userId)
  await tellServiceWorker({ type: 'set-user', userId, endsAt: session.endsAt })
  tellWorkerWhenItTakesOver(userId)
  return session
}

/** On the first visit the service worker is still installing: tell it who is signed in once it
 * takes the page over, so that it keeps the caseload and My records for offline use straight
 * away rather than on the next page opened with signal. */
function tellWorkerWhenItTakesOver (userId) {
  const workers = navigator.serviceWorker
  if (!workers || workers.controller) return
  workers.addEventListener('controllerchange', async () => {
    const session = await getDeviceSetting('session')
    if (session?.userId !== userId || !(session.endsAt > Date.now())) return // signed out meanwhile
    await tellServiceWorker({ type: 'set-user', userId, endsAt: session.endsAt })
  }, { once: true })
}

/** The signed-in user's id, or null when nobody is (or their session here has ended). */
export async function signedInUserId () {
  const fromPage = pageUserId()
  const secondsLeft = meta('session-seconds-left')
  if (fromPage && secondsLeft !== null) {
    // Fresh from the server: it has just said who this is and for how long.
    await noteSession(fromPage, Number(secondsLeft))
    if ('BroadcastChannel' in window) {
      const channel = new BroadcastChannel(CHANNEL_NAME)
      channel.postMessage({ type: 'signed-in', userId: fromPage })
      channel.close()
    }
    return fromPage
  }
  const session = await getDeviceSetting('session')
  const userId = fromPage || (await getDeviceSetting('current_user_id')) || null
  if (!userId || !session || session.userId !== userId || !(session.endsAt > Date.now())) return null
  return userId
}

/** Milliseconds until the session on this device ends (0 if it has), or null with none. */
export async function sessionTimeLeft (userId) {
  const session = await getDeviceSetting('session')
  if (!session || session.userId !== userId) return null
  return Math.max(0, session.endsAt - Date.now())
}

/** Ask the server how long the session has left; false when it has none for `userId`. */
export async function renewFromServer (userId) {
  try {
    const response = await fetch('/api/v1/session', { credentials: 'same-origin', cache: 'no-store' })
    if (!response.ok) return false
    const answer = await response.json()
    if (answer.user_id !== userId) return false
    await noteSession(userId, answer.seconds_left)
    return answer.seconds_left > 0
  } catch (error) {
    return null // no signal: nobody can say
  }
}

/** The server has no session for `userId` (it answered 401): their session here is over too,
 * so cached pages stop showing at once; their records stay, to be sent when they sign in. */
export async function sessionEndedByServer (userId) {
  const session = await getDeviceSetting('session')
  if (!userId || (session && session.userId !== userId)) return
  await setDeviceSetting('session', { userId, endsAt: 0 })
  await tellServiceWorker({ type: 'set-user', userId, endsAt: 0 })
}

/** Forget the signed-in user on this device (sign-out). */
export async function forgetSignedInUser (userId) {
  if ((await getDeviceSetting('current_user_id')) === userId) {
    await setDeviceSetting('current_user_id', undefined)
  }
  const session = await getDeviceSetting('session')
  if (session?.userId === userId) await setDeviceSetting('session', undefined)
  const council = await getDeviceSetting(COUNCIL_NAME_SETTING)
  if (council?.userId === userId) await setDeviceSetting(COUNCIL_NAME_SETTING, undefined)
}

/** A sign-out made without signal, to be sent when there is: {userId, csrfToken} or null. */
export async function pendingSignOut () {
  return (await getDeviceSetting('pending_sign_out')) || null
}

export async function queueSignOut (userId, csrfToken) {
  await setDeviceSetting('pending_sign_out', { userId, csrfToken })
  await tellServiceWorker({ type: 'sign-out-pending', userId })
}

/** POST /sign-out with a token. Resolves true once the server has ended the session (or had
 * none), false on no signal. A token from an older page is swapped for the session's own. */
export async function sendSignOut (csrfToken) {
  const post = (token) => fetch('/sign-out', {
    method: 'POST',
    credentials: 'same-origin',
    cache: 'no-store',
    redirect: 'manual',
    headers: { 'X-CSRFToken': token }
  })
  try {
    let response = await post(csrfToken)
    if (response.status === 400) {
      const session = await fetch('/api/v1/session', { credentials: 'same-origin', cache: 'no-store' })
      if (!session.ok) return true // no session left to end
      response = await post((await session.json()).csrf_token)
    }
    return response.type === 'opaqueredirect' || response.ok
  } catch (error) {
    return false
  }
}

/** Send a sign-out that waited for signal; true when none is left waiting. */
export async function flushPendingSignOut () {
  const pending = await pendingSignOut()
  if (!pending) return true
  if (!navigator.onLine || !(await sendSignOut(pending.csrfToken))) return false
  await setDeviceSetting('pending_sign_out', undefined)
  await tellServiceWorker({ type: 'sign-out-sent', userId: pending.userId })
  return true
}

/** Nothing of the last person's in this tab's storage: htmx and others keep pages there. */
// htmx notes the page's address (a search for a child's name, say) in sessionStorage, on
// loading and on every address it pushes; it keeps no copies of pages (historyCacheSize 0).
const HTMX_ADDRESS_KEY = 'htmx-current-path-for-history'
const HTMX_ADDRESS_EVENTS = ['htmx:pushedIntoHistory', 'htmx:replacedInHistory', 'htmx:historyRestore']

/** Leave no address in the tab's storage, now or whenever htmx writes one again. */
export function forgetHtmxAddresses () {
  const forget = () => {
    try {
      sessionStorage.removeItem(HTMX_ADDRESS_KEY)
    } catch (error) {
      // Storage switched off in this browser: there is nothing in it.
    }
  }
  forget()
  for (const name of HTMX_ADDRESS_EVENTS) document.addEventListener(name, forget)
}

export function clearBrowserStorage () {
  try {
    sessionStorage.clear()
    localStorage.clear()
  } catch (error) {
    // Storage switched off in this browser: there is nothing in it.
  }
}
