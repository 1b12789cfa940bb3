// The visit and case-note forms, offline-first. Without JavaScript (or without IndexedDB) the
// form stays a plain POST. With them, everything typed is kept as a draft; finishing puts the
// record in the outbox, stamped with the device's clock, and sends it when there is signal.
import { fillFromCaseload } from './caseload-choices.mjs'
import { element } from './dom.mjs'
import { DraftAutosave, getDraft, saveDraft } from './drafts.mjs'
import { Outbox, WAITING } from './outbox.mjs'
import { answersOf, fillValues, isoInstant, readRecord, readValues, serverMessagesByField, shown } from './record-fields.mjs'
import { announceChange } from './sync.mjs'

const ERROR_MARK = 'data-app-error'

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
    this.ready = this.init()
  }

  async init () {
    const { form } = this
    await fillFromCaseload(form, this.context.db)
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
    form.addEventListener('submit', (event) => {
      event.preventDefault()
      this.finish()
    })
    form.dataset.offlineReady = 'true'
  }

  async reopen (id) {
    const draft = await getDraft(this.context.db, id)
    if (draft) {
      this.id = id
      this.createdAt = draft.created_at
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
      this.notify('This record is finished and waiting to be sent. It cannot be changed now.')
      for (const control of this.form.elements) control.disabled = true
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
   * Hide the questions that do not apply (the whole form group, so no hidden control is
   * announced), and name the chosen child in the heading.
   */
  showWhatApplies () {
    const values = readValues(this.form)
    const answers = answersOf(this.definition, values)
    const statuses = this.children()[values.child_id] || []
    for (const field of this.definition.fields) {
      if (!field.show_when) continue
      const group = this.form.querySelector(`[data-record-field="${field.name}"]`)
      if (group) group.hidden = !shown(this.definition, field, answers, statuses)
    }
    const heading = document.querySelector('[data-record-heading]')
    const option = this.form.elements.child_id?.selectedOptions?.[0]
    if (heading) heading.textContent = option?.value ? `${heading.dataset.title} for ${option.text}` : heading.dataset.title
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
      event_date: ['day', 'month', 'year'].map((part) => values[`event_at-${part}`]).filter(Boolean).join('/'),
      event_time: values['event_at-time'] || '',
      form_path: location.pathname
    }
  }

  snapshot () {
    if (!this.dirty) return null
    if (!this.id) {
      this.id = crypto.randomUUID()
      this.createdAt = new Date().toISOString()
      // The address now names the draft, so a reload (or a crash) reopens it.
      history.replaceState(null, '', `${location.pathname}?draft=${this.id}`)
    }
    const values = readValues(this.form)
    return { id: this.id, created_at: this.createdAt, record_type: this.kind, values, summary: this.summary(values) }
  }

  async keep (draft) {
    if (this.correcting) await this.outbox.saveValues(draft.id, draft.values, draft.summary)
    else await saveDraft(this.context.db, draft)
    announceChange(this.context.userId)
  }

  async finish () {
    await this.autosave.flush() // what is on screen is on disk before anything else
    const values = readValues(this.form)
    const id = this.id || crypto.randomUUID()
    const { errors, record } = readRecord(this.definition, values, { children: this.children(), recordTypes: this.recordTypes() })
    if (record === null) {
      this.showErrors(errors)
      return
    }
    record.id = id
    record.completed_at = isoInstant(new Date()) // the device's clock: when it was finished
    await this.outbox.finish({ record, values, summary: this.summary(values) })
    this.clearErrors()
    this.id = null
    this.dirty = false
    this.correcting = null
    this.form.reset()
    this.showWhatApplies()
    history.replaceState(null, '', location.pathname)
    const what = this.kind === 'visit' ? 'Visit' : 'Case note'
    this.notify(
      navigator.onLine
        ? `${what} saved on this device. Sending it now.`
        : `${what} saved on this device. It will be sent when there is signal.`,
      true
    )
    announceChange(this.context.userId)
    if (navigator.onLine) this.context.sync.flush()
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
    this.form.parentElement.querySelectorAll(`[${ERROR_MARK}]`).forEach((node) => node.remove())
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
    this.form.before(summary)
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
