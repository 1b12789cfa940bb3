// Signing out on a shared tablet. Records still waiting (or drafts) would be lost, so the
// practitioner is warned and must confirm; then this person's database and cached pages are
// deleted from the device before the sign-out form is sent.
import { deleteUserDb } from './db.mjs'
import { element } from './dom.mjs'
import { listDrafts } from './drafts.mjs'
import { Outbox } from './outbox.mjs'
import { forgetSignedInUser, tellServiceWorker } from './session.mjs'

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
    await wipeUserData(this.context.userId)
    HTMLFormElement.prototype.submit.call(this.form)
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
