// The banner on every page: one line saying where the worker's records are. Its states are
// offline, online, records waiting to send, sending, all sent at a time, and sign in to send;
// each has its own tag and colour. "Sync now" always says what happened.
import { getMeta } from './db.mjs'
import { element } from './dom.mjs'
import { Outbox } from './outbox.mjs'
import { onRecordsChanged, onSending } from './sync.mjs'
import { londonDateTime, londonWallClock } from './words.mjs'

// The tag says whether records can go; the words say where they are; the banner's edge has
// one colour per state (static/css/app.css).
const TAGS = {
  offline: ['Offline', 'grey'],
  online: ['Online', 'green'],
  waiting: ['Online', 'green'],
  sending: ['Sending', 'blue'],
  sent: ['Online', 'green'],
  'sign-in': ['Signed out', 'red']
}

function records (count) {
  return count === 1 ? '1 record' : `${count} records`
}

/** 'at 14:32' today, else 'on Mon 23 Nov 2026, 14:32'. */
function sentWhen (instant) {
  const then = londonWallClock(instant)
  const today = londonWallClock(Date.now())
  if (then.year === today.year && then.month === today.month && then.day === today.day) {
    return `at ${[then.hour, then.minute].map((n) => String(n).padStart(2, '0')).join(':')}`
  }
  return `on ${londonDateTime(instant)}`
}

// What "Sync now" found, in words; null when the banner's own state says it.
const OUTCOMES = {
  offline: 'You are offline. Your records are safe on this tablet and will be sent when there is signal.',
  'network-error': 'The server could not be reached. Your records are safe on this tablet and will be sent when there is signal.',
  'server-error': 'The server could not take your records just now. They are safe on this tablet and will be tried again.',
  'other-user': 'Someone else is signed in on this tablet. Sign in as yourself to send your records.',
  'nothing-to-send': 'Nothing to send: every finished record has reached the file.',
  sent: null,
  'needs-sign-in': null
}

export class StatusBanner {
  constructor (root, context) {
    if (!context || !('indexedDB' in window)) return
    this.root = root
    this.context = context
    this.outbox = new Outbox(context.db)
    this.sending = 0
    this.outcome = null
    this.message = element('p', { class: 'govuk-body app-status-banner__message' })
    this.detail = element('p', { class: 'govuk-body-s app-status-banner__detail', hidden: '' })
    this.button = element('button', { type: 'button', class: 'govuk-button govuk-button--secondary app-status-banner__sync', 'data-module': 'govuk-button' }, 'Sync now')
    this.button.addEventListener('click', () => this.syncNow())
    const text = element('div', { class: 'app-status-banner__text' })
    text.append(this.message, this.detail)
    root.replaceChildren(text, this.button)
    const refresh = () => this.render()
    window.addEventListener('online', refresh)
    window.addEventListener('offline', () => { this.outcome = null; this.render() })
    onRecordsChanged(context.userId, refresh)
    onSending((count) => { this.sending = count; this.render() })
    this.askToPersist()
    this.render()
  }

  async askToPersist () {
    // Asked once, quietly: a browser that agrees keeps this tablet's records under storage pressure.
    try {
      if (navigator.storage?.persist && !(await navigator.storage.persisted())) await navigator.storage.persist()
    } catch (error) {
      // The records are kept anyway; the browser only may clear them when the tablet runs out of space.
    }
  }

  async syncNow () {
    this.outcome = null
    this.sending = Math.max(this.sending, 1)
    this.render()
    let outcome
    try {
      outcome = await this.context.sync.flush()
    } catch (error) {
      outcome = { outcome: 'server-error' }
    }
    this.sending = 0
    this.outcome = outcome?.outcome || 'server-error'
    this.render()
  }

  async state () {
    const { db } = this.context
    const [entries, lastSync, needsSignIn] = await Promise.all([
      this.outbox.entries(), getMeta(db, 'last_sync_at'), getMeta(db, 'needs_sign_in')
    ])
    const waiting = entries.length
    const turnedDown = entries.filter((entry) => entry.state !== 'waiting').length
    let count = waiting === 0 ? 'No records waiting to send' : `${records(waiting)} waiting to send`
    if (turnedDown) count += ` (${turnedDown} need${turnedDown === 1 ? 's' : ''} correcting)`
    if (needsSignIn && waiting) {
      return { key: 'sign-in', text: `Sign in to send ${records(waiting)}. They are safe on this tablet until you do.`, link: true, waiting }
    }
    if (!navigator.onLine) {
      return { key: 'offline', text: waiting ? `${count}, kept on this tablet until there is signal.` : `${count}. What you finish is kept on this tablet.`, waiting }
    }
    if (this.sending) return { key: 'sending', text: `Sending ${records(this.sending)}…`, waiting }
    if (waiting) return { key: 'waiting', text: `${count}.`, waiting }
    if (lastSync) return { key: 'sent', text: `All sent ${sentWhen(lastSync)}. ${count}.`, waiting }
    return { key: 'online', text: `${count}.`, waiting }
  }

  async render () {
    const state = await this.state()
    const [label, colour] = TAGS[state.key]
    const tag = element('strong', { class: `govuk-tag govuk-tag--${colour} app-status-banner__tag` }, label)
    const nodes = [tag, document.createTextNode(' ')]
    if (state.link) {
      nodes.push(element('a', { class: 'govuk-link', href: `/sign-in?next=${encodeURIComponent(location.pathname)}` }, state.text))
    } else {
      nodes.push(document.createTextNode(state.text))
    }
    // Replace only what changed, so that screen readers hear the news, not the whole banner.
    const fresh = `${label} ${state.text}`
    if (this.message.textContent !== fresh) this.message.replaceChildren(...nodes)
    const detail = this.outcome ? OUTCOMES[this.outcome] || '' : ''
    if (this.detail.textContent !== detail) this.detail.textContent = detail
    this.detail.hidden = !detail
    this.root.dataset.state = state.key
    this.root.dataset.waiting = String(state.waiting)
    this.root.className = `app-status-banner app-status-banner--${state.key}`
    this.button.hidden = state.key === 'sign-in'
  }
}
