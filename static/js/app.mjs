// The entry point: registers the service worker, finds who is signed in, starts each
// component on its root element (data-module), and runs the outbox's sync triggers.
import { ChildSelect } from './caseload-choices.mjs'
import { CaseloadSearch } from './caseload-search.mjs'
import { openUserDb } from './db.mjs'
import { LocalRecords } from './local-records.mjs'
import { RecordForm } from './record-form.mjs'
import { signedInUserId } from './session.mjs'
import { SignOut } from './sign-out.mjs'
import { StatusBanner } from './status-banner.mjs'
import { CHANNEL_NAME, Sync } from './sync.mjs'
import { VisitDue } from './visit-due.mjs'

const COMPONENTS = {
  'status-banner': StatusBanner,
  'record-form': RecordForm,
  'child-select': ChildSelect,
  'caseload-search': CaseloadSearch,
  'local-records': LocalRecords,
  'sign-out': SignOut,
  'visit-due': VisitDue
}

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
  flush()
}

async function boot () {
  registerServiceWorker()
  let context = null
  try {
    context = await userContext()
  } catch (error) {
    console.error('Records on this device are not available', error)
  }
  for (const [name, Component] of Object.entries(COMPONENTS)) {
    for (const root of document.querySelectorAll(`[data-module="${name}"]`)) {
      try {
        new Component(root, context) // eslint-disable-line no-new
      } catch (error) {
        console.error(`${name} did not start`, error)
      }
    }
  }
  if (context) startSyncTriggers(context)
  document.documentElement.dataset.appBooted = context ? 'user' : 'anonymous'
}

boot()
