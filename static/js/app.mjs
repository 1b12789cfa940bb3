// The entry point: registers the service worker, finds who is signed in, starts each
// component on its root element (data-module), and runs the outbox's sync triggers.
//
// A personal page acts for nobody once its person has signed out or their session on this
// device has ended: it gives way to the sign-in-needed page (session.mjs says when).
import { ChildSelect } from './caseload-choices.mjs'
import { CouncilName } from './council-name.mjs'
import { CaseloadSearch } from './caseload-search.mjs'
import { getDeviceSetting, openUserDb } from './db.mjs'
import { LocalRecords } from './local-records.mjs'
import { RecordForm } from './record-form.mjs'
import {
  clearBrowserStorage, flushPendingSignOut, forgetHtmxAddresses, isPersonalPage, pendingSignOut, renewFromServer, sessionTimeLeft,
  isSignedOutPage, isSignInPage, sessionEndedByServer, SIGN_IN_NEEDED_URL, signedInUserId
} from './session.mjs'
import { showSignedOut, SignOut } from './sign-out.mjs'
import { StatusBanner } from './status-banner.mjs'
import { CHANNEL_NAME, Sync } from './sync.mjs'
import { VisitDue } from './visit-due.mjs'
import { WaitingOnDevice } from './waiting-on-device.mjs'

const COMPONENTS = {
  'council-name': CouncilName,
  'status-banner': StatusBanner,
  'record-form': RecordForm,
  'child-select': ChildSelect,
  'caseload-search': CaseloadSearch,
  'local-records': LocalRecords,
  'sign-out': SignOut,
  'visit-due': VisitDue,
  'waiting-on-device': WaitingOnDevice
}
// setTimeout's longest wait; a longer session is checked again then.
const LONGEST_TIMER_MS = 2 ** 31 - 1

function registerServiceWorker () {
  if (!('serviceWorker' in navigator)) return
  navigator.serviceWorker.register('/sw.js', { scope: '/' }).catch((error) => {
    console.error('The service worker could not be registered', error)
  })
}

async function userContext () {
  if (!('indexedDB' in window)) return null
  const userId = await signedInUserId()
  if (!userId) return null
  const db = await openUserDb(userId)
  return { userId, db, sync: new Sync({ db, userId }) }
}

/** Leave a page that may no longer act for its person; offline, for the page that says so. */
function leavePersonalPage () {
  location.replace(navigator.onLine ? `/sign-in?next=${encodeURIComponent(location.pathname)}` : SIGN_IN_NEEDED_URL)
}

/** At the moment the session on this device ends, stop showing this page, unless the server
 * (asked, when there is signal) says the session goes on. */
async function watchSessionEnd (userId) {
  const left = await sessionTimeLeft(userId)
  if (left === null) return
  setTimeout(async () => {
    if ((await sessionTimeLeft(userId)) > 0) return watchSessionEnd(userId) // renewed by another tab
    if (navigator.onLine && (await renewFromServer(userId))) return watchSessionEnd(userId)
    leavePersonalPage()
  }, Math.min(left, LONGEST_TIMER_MS))
}

/** A sign-out waiting for signal is sent first: 'none', 'sent' or 'waiting' (no signal). */
async function signOutFirst () {
  if (!(await pendingSignOut())) return 'none'
  const sent = await flushPendingSignOut()
  if (sent && isSignedOutPage()) location.replace('/sign-in')
  return sent ? 'sent' : 'waiting'
}

function startSyncTriggers (context) {
  const flush = () => context.sync.flush().catch((error) => console.error('Sync failed', error))
  window.addEventListener('online', flush)
  document.addEventListener('visibilitychange', () => {
    if (document.visibilityState === 'visible') flush()
  })
  if ('BroadcastChannel' in window) {
    // The same person signed in again in another tab: what waited for them can go now.
    new BroadcastChannel(CHANNEL_NAME).addEventListener('message', (event) => {
      if (event.data?.type === 'signed-in' && event.data.userId === context.userId) flush()
    })
  }
  context.sync.refreshCaseload()
  flush().then(() => context.sync.refreshSent())
}

async function boot () {
  forgetHtmxAddresses() // before anything waits: htmx has just noted this page's address
  registerServiceWorker()
  let context = null
  let signOut = 'none'
  try {
    signOut = await signOutFirst()
    window.addEventListener('online', () => signOutFirst())
    // The server sends the sign-in page only to someone without a session.
    if (isSignInPage()) await sessionEndedByServer(await getDeviceSetting('current_user_id'))
    // Public pages act for nobody.
    if (signOut === 'none' && isPersonalPage()) context = await userContext()
  } catch (error) {
    console.error('Records on this device are not available', error)
  }
  if (isPersonalPage() && !context) {
    document.documentElement.dataset.appBooted = 'refused'
    if (signOut === 'waiting') showSignedOut()
    else if (signOut === 'sent') location.replace('/sign-in')
    else leavePersonalPage()
    return
  }
  if (!isPersonalPage()) clearBrowserStorage() // public pages: nothing of anybody's is left in the tab
  for (const [name, Component] of Object.entries(COMPONENTS)) {
    for (const root of document.querySelectorAll(`[data-module="${name}"]`)) {
      try {
        new Component(root, context) // eslint-disable-line no-new
      } catch (error) {
        console.error(`${name} did not start`, error)
      }
    }
  }
  if (context) {
    watchSessionEnd(context.userId)
    startSyncTriggers(context)
  }
  document.documentElement.dataset.appBooted = context ? 'user' : 'anonymous'
}

boot()
