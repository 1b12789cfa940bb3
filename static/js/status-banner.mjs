// The banner on every page: online or offline, how many records are waiting, when records
// last reached the server, and whether the browser promised to keep this device's data.
import { getMeta } from './db.mjs'
import { element } from './dom.mjs'
import { Outbox } from './outbox.mjs'
import { onRecordsChanged } from './sync.mjs'
import { londonDateTime } from './words.mjs'

export class StatusBanner {
  constructor (root, context) {
    if (!context || !('indexedDB' in window)) return
    this.root = root
    this.context = context
    this.outbox = new Outbox(context.db)
    this.persisted = null
    this.sending = false
    this.lines = element('ul', { class: 'govuk-list app-status-banner__list' })
    this.button = element('button', { type: 'button', class: 'govuk-button govuk-button--secondary app-status-banner__sync', 'data-module': 'govuk-button' }, 'Sync now')
    this.button.addEventListener('click', () => this.syncNow())
    root.replaceChildren(this.lines, this.button)
    const refresh = () => this.render()
    window.addEventListener('online', refresh)
    window.addEventListener('offline', refresh)
    onRecordsChanged(context.userId, refresh)
    this.askToPersist().then(refresh)
    this.render()
  }

  async askToPersist () {
    if (!navigator.storage?.persist) {
      this.persisted = false
      return
    }
    try {
      this.persisted = (await navigator.storage.persisted()) || (await navigator.storage.persist())
    } catch (error) {
      this.persisted = false
    }
  }

  async syncNow () {
    this.sending = true
    this.render()
    try {
      await this.context.sync.flush()
    } finally {
      this.sending = false
      this.render()
    }
  }

  async render () {
    const { db } = this.context
    const [entries, lastSync, needsSignIn] = await Promise.all([
      this.outbox.entries(), getMeta(db, 'last_sync_at'), getMeta(db, 'needs_sign_in')
    ])
    const waiting = entries.length
    const turnedDown = entries.filter((entry) => entry.state !== 'waiting').length
    const lines = []
    lines.push(navigator.onLine ? ['Online', 'online'] : ['Offline: your records are kept on this device', 'offline'])
    let count = waiting === 0 ? 'No records waiting to send' : waiting === 1 ? '1 record waiting to send' : `${waiting} records waiting to send`
    if (turnedDown) count += ` (${turnedDown} need${turnedDown === 1 ? 's' : ''} correcting)`
    lines.push([count, 'waiting'])
    lines.push([lastSync ? `Last sent: ${londonDateTime(lastSync)}` : 'Last sent: not yet', 'last-sync'])
    if (this.persisted !== null) {
      lines.push([this.persisted
        ? 'Storage: kept on this device until you sign out'
        : 'Storage: the browser may clear records if the device runs low on space', 'storage'])
    }
    if (this.sending) lines.push(['Sending…', 'sending'])
    const items = lines.map(([text, key]) => element('li', { 'data-status': key }, text))
    if (needsSignIn && waiting) {
      const item = element('li', { 'data-status': 'sign-in' })
      const link = element('a', { class: 'govuk-link', href: `/sign-in?next=${encodeURIComponent(location.pathname)}` }, 'Sign in to send your records')
      item.append(link)
      items.push(item)
    }
    // Replace only what changed, so that screen readers hear the news, not the whole banner.
    const old = Array.from(this.lines.children).map((node) => node.textContent).join('\n')
    const fresh = items.map((node) => node.textContent).join('\n')
    if (old !== fresh) this.lines.replaceChildren(...items)
    this.button.disabled = !navigator.onLine || this.sending
    this.root.dataset.waiting = String(waiting)
  }
}
