// The visit and case-note forms, offline-first. Without JavaScript (or without IndexedDB) the
// form stays a plain POST. With them, everything typed is kept as a draft; finishing puts the
// record in the outbox, stamped with the device's clock, and sends it when there is signal.
// Before that, the answers are shown to be checked (GOV.UK "Check your answers"), each with a
// Change link back to its question; finishing happens from there.
import { fillFromCaseload } from './caseload-choices.mjs'
import { answerRows, recordHeading, summaryList } from './check-answers.mjs'
import { DeadlineNotice, loadDeadlines } from './deadline.mjs'
import { element } from './dom.mjs'
import { DraftAutosave, getDraft, saveDraft } from './drafts.mjs'
import { Outbox, WAITING } from './outbox.mjs'
import { answersOf, fillValues, groupApplies, isoInstant, londonToUtc, readRecord, readValues, serverMessagesByField, shown } from './record-fields.mjs'
import { recordState, stateParagraph } from './record-state.mjs'
import { announceChange, onRecordsChanged } from './sync.mjs'
import { londonWallClock, londonWeekdayDate } from './words.mjs'

const ERROR_MARK = 'data-app-error'
const ERROR_TITLE = 'Error: '

/**
 * The date typed, in the pages' one format ("Mon 23 Nov 2026");
 * as typed while it is not yet a real date.
 */
function typedDate (values) {
  const [day, month, year] = ['day', 'month', 'year'].map((part) => (values[`event_at-${part}`] || '').trim())
  const [d, m, y] = [day, month, year].map(Number)
  const probe = new Date(Date.UTC(y, m - 1, d))
  if (!/^[0-9]{1,2}$/.test(day) || !/^[0-9]{1,2}$/.test(month) || !/^[0-9]{4}$/.test(year) ||
      probe.getUTCDate() !== d || probe.getUTCMonth() !== m - 1) {
    return [day, month, year].filter(Boolean).join(' ')
  }
  return londonWeekdayDate(londonToUtc(y, m, d, 12, 0))
}

export class RecordForm {
  constructor (form, context) {
    if (!context || !('indexedDB' in window) || !window.crypto?.randomUUID) return
    this.form = form
    this.context = context
    this.outbox = new Outbox(context.db)
    this.kind = form.dataset.recordType === 'visit' ? 'visit' : 'case_note'
    this.definition = JSON.parse(document.getElementById('record-form-definition').textContent)
    this.id = null
    this.dirty = false
    this.correcting = null // an outbox entry the server turned down, being corrected
    // A sent record being corrected: its id, and the version the correction replaces.
    this.supersedes = form.dataset.supersedes ? Number(form.dataset.supersedes) : null
    if (this.supersedes) this.id = form.dataset.correcting
    this.page = form.closest('[data-record-form-page]')
    this.checkView = null
    this.ready = this.init()
  }

  async init () {
    const { form } = this
    // A correction keeps its child and record type: the page offers only those.
    if (!this.supersedes) await fillFromCaseload(form, this.context.db)
    const requested = new URLSearchParams(location.search).get('draft')
    if (requested) await this.reopen(requested)
    this.autosave = new DraftAutosave(form, {
      save: (draft) => this.keep(draft),
      snapshot: () => this.snapshot()
    })
    const markDirty = () => { this.dirty = true }
    form.addEventListener('input', markDirty, true)
    form.addEventListener('change', markDirty, true)
    form.addEventListener('change', () => this.showWhatApplies())
    this.showWhatApplies()
    this.draftStatus = element('p', { class: 'govuk-body-s app-draft-status', 'aria-live': 'polite', 'data-draft-status': '' })
    form.querySelector('button[type="submit"], .govuk-button')?.before(this.draftStatus)
    const table = await loadDeadlines(this.context.db).catch(() => null)
    this.deadline = new DeadlineNotice(form, { definition: this.definition, table, children: () => this.children() })
    const updateDeadline = () => this.deadline.update()
    form.addEventListener('input', updateDeadline)
    form.addEventListener('change', updateDeadline)
    setInterval(updateDeadline, 60000) // a deadline can pass while the worker types
    form.addEventListener('submit', (event) => {
      event.preventDefault()
      this.check()
    })
    form.dataset.offlineReady = 'true'
  }

  async reopen (id) {
    const draft = await getDraft(this.context.db, id)
    if (draft) {
      this.id = id
      this.createdAt = draft.created_at
      if (draft.supersedes) this.supersedes = draft.supersedes
      fillValues(this.form, draft.values)
      this.showWhatApplies()
      return
    }
    const entry = await this.outbox.get(id)
    if (!entry) {
      history.replaceState(null, '', location.pathname)
      return
    }
    this.id = id
    fillValues(this.form, entry.values)
    this.showWhatApplies()
    if (entry.state === WAITING) {
      // Finished: shown as what it is, in full, not as a form to fill in.
      this.showFinished(entry)
      return
    }
    this.correcting = entry
    const messages = serverMessagesByField(entry.metadata.errors)
    this.showErrors(
      Object.fromEntries(Object.entries(messages).map(([name, list]) => [name, list.join(' ')])),
      'The server could not accept this record. Correct it and send it again.'
    )
  }

  /** The children the form offers, each with its statuses (some questions depend on them). */
  children () {
    const select = this.form.elements.child_id
    const options = select?.options ? Array.from(select.options).filter((option) => option.value) : []
    return Object.fromEntries(options.map((option) => [option.value, (option.dataset.statuses || '').split(' ').filter(Boolean)]))
  }

  recordTypes () {
    const select = this.form.elements.record_type
    return select?.options ? Array.from(select.options, (option) => option.value).filter(Boolean) : []
  }

  /**
   * Offer the record types and show the questions that apply (hiding the whole form group, so
   * no hidden control is announced), and name the chosen child in the heading.
   */
  showWhatApplies () {
    const childId = this.form.elements.child_id?.value
    const statuses = this.children()[childId] || []
    this.narrowRecordTypes(childId ? statuses : [])
    const values = readValues(this.form)
    const answers = answersOf(this.definition, values)
    for (const field of this.definition.fields) {
      if (!field.show_when) continue
      const group = this.form.querySelector(`[data-record-field="${field.name}"]`)
      if (group) group.hidden = !shown(this.definition, field, { ...answers, deadline: this.deadline?.state ?? null }, statuses)
    }
    const heading = document.querySelector('[data-record-heading]')
    const option = this.form.elements.child_id?.selectedOptions?.[0]
    if (heading) heading.textContent = option?.value ? `${heading.dataset.title} for ${option.text}` : heading.dataset.title
  }

  /**
   * Offer only the groups of record types that can apply to the chosen child (all of them
   * before a child is chosen). A choice in a group that no longer applies is cleared.
   */
  narrowRecordTypes (childStatuses) {
    const select = this.form.elements.record_type
    if (select?.tagName !== 'SELECT') return
    for (const group of select.querySelectorAll('optgroup')) {
      const applies = groupApplies((group.dataset.statuses || '').split(' ').filter(Boolean), childStatuses)
      group.hidden = !applies
      group.disabled = !applies
    }
    if (select.selectedOptions[0]?.parentElement?.disabled) select.value = ''
  }

  summary (values) {
    const childSelect = this.form.elements.child_id
    const option = childSelect?.selectedOptions?.[0]
    const typeSelect = this.form.elements.record_type
    return {
      record_type: this.kind === 'visit' ? 'visit' : values.record_type || 'case_note',
      record_type_label: this.kind === 'visit' ? 'Visit' : typeSelect?.selectedOptions?.[0]?.text || 'Case note',
      child_id: values.child_id || '',
      child_name: option && option.value ? option.text : '',
      event_date: typedDate(values),
      event_time: values['event_at-time'] || '',
      form_path: location.pathname
    }
  }

  snapshot () {
    if (!this.dirty) return null
    if (!this.id) {
      this.id = crypto.randomUUID()
      // The address now names the draft, so a reload (or a crash) reopens it.
      history.replaceState(null, '', `${location.pathname}?draft=${this.id}`)
    }
    const values = readValues(this.form)
    this.createdAt ||= new Date().toISOString()
    const draft = { id: this.id, created_at: this.createdAt, record_type: this.kind, values, summary: this.summary(values) }
    return this.supersedes ? { ...draft, supersedes: this.supersedes } : draft
  }

  async keep (draft) {
    if (this.correcting) await this.outbox.saveValues(draft.id, draft.values, draft.summary)
    else await saveDraft(this.context.db, draft)
    const { hour, minute } = londonWallClock(Date.now())
    this.draftStatus.textContent = `Draft saved on this tablet at ${String(hour).padStart(2, '0')}:${String(minute).padStart(2, '0')}`
    announceChange(this.context.userId)
  }

  /** The record the form's answers make, or the messages by field when they make none. */
  read () {
    const values = readValues(this.form)
    this.deadline?.update() // a deadline can pass between two keystrokes
    const deadline = this.deadline?.state ?? null
    return { values, deadline, ...readRecord(this.definition, values, { children: this.children(), recordTypes: this.recordTypes(), deadline }) }
  }

  /** Check the answers: the errors on the form, or the answers to check before finishing. */
  async check () {
    await this.autosave.flush() // what is on screen is on disk before anything else
    const { values, errors, record } = this.read()
    if (record === null) {
      this.showErrors(errors)
      return
    }
    this.clearErrors()
    this.showCheck(record, values)
  }

  /** The words of the chosen child and record type, as the form offers them. */
  labels (values) {
    const summary = this.summary(values)
    return { childLabel: this.form.elements.child_id?.selectedOptions?.[0]?.text || summary.child_id, recordTypeLabel: summary.record_type_label }
  }

  answersView (record, values, caption, changeHref) {
    const { childLabel, recordTypeLabel } = this.labels(values)
    const view = element('div', { class: 'app-check-answers' })
    view.append(element('span', { class: 'govuk-caption-l' }, caption))
    const heading = element('h1', { class: 'govuk-heading-l', tabindex: '-1' }, recordHeading(recordTypeLabel, childLabel))
    view.append(heading)
    const rows = answerRows(this.definition, record, {
      childLabel, recordTypeLabel, statuses: this.children()[record.child_id] || [], deadline: this.deadline?.state ?? null
    })
    view.append(summaryList(rows, changeHref))
    return { view, heading }
  }

  showCheck (record, values) {
    const { view, heading } = this.answersView(record, values, 'Check your answers before sending', (name) => `#${this.controlFor(name)?.id || name}`)
    view.addEventListener('click', (event) => {
      const link = event.target.closest('a[data-change]')
      if (!link) return
      event.preventDefault()
      this.showForm(link.dataset.change)
    })
    view.append(element('p', { class: 'govuk-body' }, this.supersedes
      ? 'The correction is sent as a new version of the record. The earlier version stays on the file.'
      : 'Once you finish, the record is sent to the file when there is signal. After it has been sent, you can correct it from My records.'))
    const finish = element('button', { type: 'button', class: 'govuk-button', 'data-module': 'govuk-button' }, 'Finish and send')
    finish.addEventListener('click', () => this.finish(), { once: true })
    view.append(finish)
    this.swapIn(view, `Check your answers – ${this.originalTitle()}`)
    heading.focus()
  }

  /** A finished record waiting on the device to be sent: read only, in full. */
  showFinished (entry) {
    const { view, heading } = this.answersView(entry.record, entry.values, 'Waiting to be sent from this device', null)
    view.insertBefore(
      element('p', { class: 'govuk-body' }, 'This record is finished. It will be sent when there is signal, and cannot be changed now.'),
      view.querySelector('.govuk-summary-list')
    )
    this.swapIn(view, `${heading.textContent} – ${this.originalTitle()}`)
  }

  originalTitle () {
    this.title ||= document.title
    return this.title
  }

  swapIn (view, title) {
    this.originalTitle()
    this.checkView?.remove()
    this.checkView = view
    const page = this.page || this.form
    page.hidden = true
    page.after(view)
    document.title = title
    window.scrollTo(0, 0)
  }

  /** Back to the form, at the question to change (or at the top). */
  showForm (name) {
    this.checkView?.remove()
    this.checkView = null
    ;(this.page || this.form).hidden = false
    document.title = this.originalTitle()
    const control = name ? this.controlFor(name) : null
    if (control) {
      control.scrollIntoView({ block: 'center' })
      control.focus()
    }
  }

  async finish () {
    const { values, errors, record } = this.read()
    if (record === null) {
      this.showForm()
      this.showErrors(errors)
      return
    }
    const id = this.id || crypto.randomUUID()
    record.id = id
    if (this.supersedes) record.supersedes = this.supersedes
    record.completed_at = isoInstant(new Date()) // the device's clock: when it was finished
    const summary = this.summary(values)
    await this.outbox.finish({ record, values, summary })
    this.clearErrors()
    this.id = null
    this.createdAt = null
    this.dirty = false
    this.correcting = null
    const corrected = this.supersedes
    this.supersedes = null
    this.form.reset()
    this.showWhatApplies()
    this.deadline.update()
    this.draftStatus.textContent = ''
    this.showForm()
    history.replaceState(null, '', location.pathname)
    const what = corrected ? 'Correction' : this.kind === 'visit' ? 'Visit' : 'Case note'
    const who = record.child_id ? ` for ${summary.child_name || record.child_id}` : ''
    this.notify(`${what}${who} saved on this tablet.`, true)
    this.followState(id)
    if (corrected) this.showCorrected(id)
    announceChange(this.context.userId)
    if (navigator.onLine) this.context.sync.flush()
  }

  /** Show the finished record's state in the notice as it moves: on this tablet, sent, judged. */
  followState (id) {
    const notice = this.form.parentElement.querySelector('.app-record-notice .govuk-notification-banner__content')
    const live = element('div', { 'aria-live': 'polite' })
    notice?.append(live)
    const draw = async () => {
      const state = await recordState(this.context.db, id)
      if (!state || !live.isConnected) return
      const fresh = stateParagraph(state)
      if (live.textContent !== fresh.textContent) live.replaceChildren(fresh)
    }
    onRecordsChanged(this.context.userId, draw)
    draw()
  }

  /** A correction is finished: nothing more to do on this form, but to read the record. */
  showCorrected (id) {
    const view = element('div', { class: 'app-check-answers' })
    const heading = element('h1', { class: 'govuk-heading-l', tabindex: '-1' }, 'Correction finished')
    const links = element('ul', { class: 'govuk-list' })
    for (const [href, text] of [[`/records/${id}`, 'Read the record and its versions'], ['/records', 'Go to My records']]) {
      const item = element('li')
      item.append(element('a', { class: 'govuk-link', href }, text))
      links.append(item)
    }
    view.append(heading, links)
    this.swapIn(view, `Correction finished – ${this.originalTitle()}`)
    this.checkView.before(this.form.parentElement.querySelector('.app-record-notice'))
    heading.focus()
  }

  notify (message, success = false) {
    this.form.parentElement.querySelector('.app-record-notice')?.remove()
    const banner = element('div', {
      class: `govuk-notification-banner app-record-notice${success ? ' govuk-notification-banner--success' : ''}`,
      role: success ? 'alert' : 'region',
      'aria-labelledby': 'app-record-notice-title'
    })
    const header = element('div', { class: 'govuk-notification-banner__header' })
    header.append(element('h2', { class: 'govuk-notification-banner__title', id: 'app-record-notice-title' }, success ? 'Success' : 'Important'))
    const content = element('div', { class: 'govuk-notification-banner__content' })
    content.append(element('p', { class: 'govuk-notification-banner__heading' }, message))
    banner.append(header, content)
    this.form.before(banner)
  }

  clearErrors () {
    const page = this.page || this.form.parentElement
    // The server's summary too (a plain POST answered with errors): one summary at a time.
    page.querySelectorAll(`[${ERROR_MARK}], .govuk-error-summary`).forEach((node) => node.remove())
    if (document.title.startsWith(ERROR_TITLE)) document.title = document.title.slice(ERROR_TITLE.length)
    this.form.querySelectorAll(`[${ERROR_MARK}]`).forEach((node) => node.remove())
    this.form.querySelectorAll('.govuk-form-group--error').forEach((group) => group.classList.remove('govuk-form-group--error'))
    this.form.querySelectorAll('[data-app-described]').forEach((control) => {
      control.setAttribute('aria-describedby', control.dataset.appDescribed)
      if (!control.dataset.appDescribed) control.removeAttribute('aria-describedby')
      delete control.dataset.appDescribed
    })
  }

  /** Messages by field name, in a GOV.UK error summary and next to each field. */
  showErrors (errors, lead) {
    this.clearErrors()
    const names = Object.keys(errors)
    if (!names.length) return
    const summary = element('div', { class: 'govuk-error-summary', [ERROR_MARK]: '', tabindex: '-1' })
    const alert = element('div', { role: 'alert' })
    alert.append(element('h2', { class: 'govuk-error-summary__title' }, 'There is a problem'))
    const body = element('div', { class: 'govuk-error-summary__body' })
    if (lead) body.append(element('p', { class: 'govuk-body' }, lead))
    const list = element('ul', { class: 'govuk-list govuk-error-summary__list' })
    for (const name of names) {
      const item = element('li')
      const control = this.controlFor(name)
      const link = element('a', { href: `#${control?.id || name}` }, errors[name])
      item.append(link)
      list.append(item)
      if (control) this.markField(control, name, errors[name])
    }
    body.append(list)
    alert.append(body)
    summary.append(alert)
    // GOV.UK: the summary comes first in the page's content, before its heading, and the
    // page's title starts with "Error: ".
    const page = this.page || this.form.parentElement
    page.prepend(summary)
    if (!document.title.startsWith(ERROR_TITLE)) document.title = ERROR_TITLE + document.title
    summary.focus()
  }

  controlFor (name) {
    const byId = this.form.querySelector(`#${CSS.escape(name)}`)
    if (byId) return byId
    const byName = this.form.elements[name]
    return byName?.length && !byName.tagName ? byName[0] : byName || null
  }

  markField (control, name, message) {
    const group = control.closest('.govuk-form-group')
    group?.classList.add('govuk-form-group--error')
    const anchor = control.closest('.govuk-radios, .govuk-date-input') || control
    const id = `${name}-app-error`
    const text = element('p', { class: 'govuk-error-message', id, [ERROR_MARK]: '' })
    text.append(element('span', { class: 'govuk-visually-hidden' }, 'Error:'), ` ${message}`)
    anchor.before(text)
    const described = control.getAttribute('aria-describedby') || ''
    control.dataset.appDescribed = described
    control.setAttribute('aria-describedby', `${described} ${id}`.trim())
  }
}
