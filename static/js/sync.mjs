// Sending the outbox to the server: POST /api/v1/sync.
//
// Only one tab sends at a time (a Web Lock), so two tabs never post the same records together;
// the server stores a repeated record once anyway. A record leaves the outbox only when the
// server has it. When the session has expired (401) everything stays queued, and sending
// resumes when the same person is signed in again: never under somebody else's session.
import { deviceId, getDeviceSetting, getMeta, setMeta } from './db.mjs'
import { loadDeadlines } from './deadline.mjs'
import { Outbox } from './outbox.mjs'
import { readRecords } from './records-reader.mjs'
import { sessionEndedByServer } from './session.mjs'

const BATCH_SIZE = 50 // well inside the API's 500 records and 2 MB
const LOCK_NAME = 'outbox-flush'
export const CHANNEL_NAME = 'visit-recorder'
const CHANGED_EVENT = 'visit-recorder:changed'
const SENDING_EVENT = 'visit-recorder:sending'

/** Tell this page's components, and the app's other tabs, that records or sync state changed. */
export function announceChange (userId) {
  document.dispatchEvent(new CustomEvent(CHANGED_EVENT, { detail: { userId } }))
  if ('BroadcastChannel' in window) {
    const channel = new BroadcastChannel(CHANNEL_NAME)
    channel.postMessage({ type: 'changed', userId })
    channel.close()
  }
}

/** Call `listener` when this page or another tab of the same user announces a change. */
export function onRecordsChanged (userId, listener) {
  document.addEventListener(CHANGED_EVENT, listener)
  if ('BroadcastChannel' in window) {
    new BroadcastChannel(CHANNEL_NAME).addEventListener('message', (event) => {
      if (event.data?.userId === userId) listener()
    })
  }
}

/** Call `listener` with the number of records this page starts sending, and 0 when it stops. */
export function onSending (listener) {
  document.addEventListener(SENDING_EVENT, (event) => listener(event.detail.count))
}

function sending (count) {
  document.dispatchEvent(new CustomEvent(SENDING_EVENT, { detail: { count } }))
}

function pageCsrfToken () {
  return document.querySelector('meta[name="csrf-token"]')?.content || ''
}

/** The session's current CSRF token, if the server has a session for `userId`. */
async function currentCsrfToken (userId) {
  const response = await fetch('/api/v1/session', { credentials: 'same-origin', cache: 'no-store' })
  if (!response.ok) return null
  const session = await response.json()
  return session.user_id === userId ? session.csrf_token : null
}

export class Sync {
  constructor ({ db, userId }) {
    this.db = db
    this.userId = userId
    this.outbox = new Outbox(db)
    this.csrfToken = pageCsrfToken()
  }

  /** Send what is waiting, if online; resolves with what happened. */
  async flush () {
    if (!navigator.onLine) return { outcome: 'offline' }
    if (!('locks' in navigator)) return this.flushHoldingLock()
    return navigator.locks.request(LOCK_NAME, () => this.flushHoldingLock())
  }

  async flushHoldingLock () {
    // Somebody else signed in on this device since this page loaded: never send this
    // person's records under their session.
    if ((await getDeviceSetting('current_user_id')) !== this.userId) return { outcome: 'other-user' }
    // Read inside the lock: records another tab sent a moment ago are already gone.
    const waiting = await this.outbox.ready()
    let outcome = { outcome: 'nothing-to-send' }
    if (waiting.length) sending(waiting.length)
    try {
      for (let start = 0; start < waiting.length; start += BATCH_SIZE) {
        outcome = await this.send(waiting.slice(start, start + BATCH_SIZE))
        if (outcome.outcome !== 'sent') break
      }
    } finally {
      if (waiting.length) sending(0)
    }
    // What was sent moves due dates: fetch the server's before the pages redraw.
    if (outcome.outcome === 'sent') await this.refreshCaseload()
    announceChange(this.userId)
    return outcome
  }

  async send (batch, { retried = false } = {}) {
    let response
    try {
      response = await this.post(batch)
    } catch (error) {
      await this.outbox.failed(batch, 'No connection to the server', new Date().toISOString())
      return { outcome: 'network-error' }
    }
    if (response.status === 401) {
      await setMeta(this.db, 'needs_sign_in', true)
      await sessionEndedByServer(this.userId)
      return { outcome: 'needs-sign-in' }
    }
    if (response.status === 400 && !retried) {
      // A page served from the cache may carry an older session's CSRF token: ask for the
      // current one, but only from this person's own session. (Without a session the
      // answer above was a 401, whatever the token.)
      const token = await currentCsrfToken(this.userId).catch(() => null)
      if (token) {
        this.csrfToken = token
        return this.send(batch, { retried: true })
      }
    }
    if (!response.ok) {
      const body = await response.json().catch(() => ({}))
      await this.outbox.failed(batch, body.error || `The server answered ${response.status}`, new Date().toISOString())
      return { outcome: 'server-error', status: response.status }
    }
    const body = await response.json()
    const serverNow = body.server_now || new Date().toISOString()
    await this.outbox.settle(batch, body.results || [], serverNow)
    await setMeta(this.db, 'last_sync_at', serverNow)
    await setMeta(this.db, 'needs_sign_in', false)
    return { outcome: 'sent' }
  }

  async post (batch) {
    return fetch('/api/v1/sync', {
      method: 'POST',
      credentials: 'same-origin',
      cache: 'no-store',
      headers: { 'Content-Type': 'application/json', 'X-CSRFToken': this.csrfToken },
      body: JSON.stringify({
        device_id: await deviceId(),
        device_now: new Date().toISOString(),
        records: batch.map((entry) => entry.record)
      })
    })
  }

  /**
   * Bring the records sent from this device up to date with the server: their current
   * version (a correction may have been sent from another device) and their verdicts.
   */
  async refreshSent () {
    if (!navigator.onLine) return
    try {
      const since = await getMeta(this.db, 'records_read_since')
      const { records, nextSince } = await readRecords(async (path) => {
        const response = await fetch(path, { credentials: 'same-origin', cache: 'no-store' })
        if (!response.ok) throw new Error(`The server answered ${response.status}`)
        return response.json()
      }, since || null)
      const tx = this.db.transaction('synced', 'readwrite')
      for (const record of records) {
        const sent = await tx.store.get(record.id)
        if (sent) tx.store.put({ ...sent, version: record.version, timeliness: record.timeliness })
      }
      await tx.done
      await setMeta(this.db, 'records_read_since', nextSince)
    } catch (error) {
      // Offline or signed out after all: the next start reads from the same point.
    }
  }

  /** Keep the caseload (children, their forms) and their deadlines on the device, for forms opened offline. */
  async refreshCaseload () {
    if (!navigator.onLine) return
    loadDeadlines(this.db).catch(() => null)
    try {
      const response = await fetch('/api/v1/caseload', { credentials: 'same-origin', cache: 'no-store' })
      if (!response.ok) return
      await setMeta(this.db, 'caseload', { fetched_at: new Date().toISOString(), data: await response.json() })
    } catch (error) {
      // Offline after all: the copy from last time stays.
    }
  }
}
