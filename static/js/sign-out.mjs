// Signing out on a shared tablet. Records still waiting (or drafts) would be lost, so the
// practitioner is warned and must confirm; then this person's database, cached pages and the
// tab's storage are deleted from the device, and the server is told. Without signal the device
// is signed out all the same: the pages and the service worker stop acting for this person at
// once, and the sign-out is sent when signal returns (session.mjs). The browser's own error
// page is never shown.
import { deleteUserDb } from './db.mjs'
import { element } from './dom.mjs'
import { listDrafts } from './drafts.mjs'
import { Outbox } from './outbox.mjs'
import {
  clearBrowserStorage, forgetSignedInUser, queueSignOut, sendSignOut, SIGNED_OUT_URL, tellServiceWorker
} from './session.mjs'

function plural (count, one, many) {
  return count === 1 ? `1 ${one}` : `${count} ${many}`
}

/** Delete everything this person keeps on the device: database, cached pages. */
export async function wipeUserData (userId) {
  await tellServiceWorker({ type: 'sign-out', userId })
  // The page can reach the caches itself too, in case no worker controls it.
  const names = await caches.keys()
  await Promise.all(names.filter((name) => name.startsWith(`pages-user-${userId}-`)).map((name) => caches.delete(name)))
  await forgetSignedInUser(userId)
  await deleteUserDb(userId)
  clearBrowserStorage()
}

/** Go to the signed-out page: the worker serves it without signal. Without a worker, say it
 * on this page instead, rather than let the browser show its error page. */
export function showSignedOut () {
  if (navigator.serviceWorker?.controller) {
    location.replace(SIGNED_OUT_URL)
    return
  }
  document.querySelector('.govuk-service-navigation')?.remove()
  const main = document.querySelector('main') || document.body
  main.replaceChildren(
    element('h1', { class: 'govuk-heading-l' }, 'You have signed out'),
    element('p', { class: 'govuk-body' }, 'Your caseload, records and drafts have been removed from this device. ' +
      'Visit recorder will finish signing you out as soon as there is signal.')
  )
}

export class SignOut {
  constructor (form, context) {
    if (!context || !('indexedDB' in window) || !('caches' in window)) return
    this.form = form
    this.context = context
    this.warning = null
    form.addEventListener('submit', (event) => {
      event.preventDefault()
      this.signOut()
    })
  }

  async unsent () {
    if (navigator.onLine) await this.context.sync.flush().catch(() => null) // send what can be sent first
    const [entries, drafts] = await Promise.all([new Outbox(this.context.db).entries(), listDrafts(this.context.db)])
    return { waiting: entries.length, drafts: drafts.length }
  }

  async signOut (confirmed = false) {
    if (!confirmed) {
      const { waiting, drafts } = await this.unsent()
      if (waiting || drafts) {
        this.warn(waiting, drafts)
        return
      }
    }
    const csrfToken = this.form.querySelector('input[name="csrf_token"]')?.value || ''
    await wipeUserData(this.context.userId)
    if (navigator.onLine && (await sendSignOut(csrfToken))) {
      location.replace('/sign-in')
      return
    }
    await queueSignOut(this.context.userId, csrfToken)
    showSignedOut()
  }

  warn (waiting, drafts) {
    this.warning?.remove()
    const parts = []
    if (waiting) parts.push(`${plural(waiting, 'record', 'records')} waiting to be sent`)
    if (drafts) parts.push(`${plural(drafts, 'unfinished draft', 'unfinished drafts')}`)
    const panel = element('div', { class: 'govuk-notification-banner app-sign-out-warning', role: 'alertdialog', 'aria-labelledby': 'app-sign-out-warning-title', 'aria-describedby': 'app-sign-out-warning-text' })
    const header = element('div', { class: 'govuk-notification-banner__header' })
    header.append(element('h2', { class: 'govuk-notification-banner__title', id: 'app-sign-out-warning-title' }, 'Records not sent'))
    const content = element('div', { class: 'govuk-notification-banner__content' })
    content.append(element('p', { class: 'govuk-notification-banner__heading', id: 'app-sign-out-warning-text' },
      `You have ${parts.join(' and ')} on this tablet. If you sign out now, they will be deleted and cannot be recovered.`))
    const buttons = element('div', { class: 'govuk-button-group' })
    const stay = element('button', { type: 'button', class: 'govuk-button' }, 'Stay signed in')
    const leave = element('button', { type: 'button', class: 'govuk-button govuk-button--warning' }, 'Delete them and sign out')
    stay.addEventListener('click', () => { panel.remove(); this.warning = null })
    leave.addEventListener('click', () => this.signOut(true))
    buttons.append(stay, leave)
    content.append(buttons)
    panel.append(header, content)
    const main = document.querySelector('main') || document.body
    main.prepend(panel)
    this.warning = panel
    stay.focus()
  }
}
