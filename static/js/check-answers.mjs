// A finished record in words, question by question, as GOV.UK's "Check your answers" pattern
// shows it: before it is sent (each answer with a Change link back to its question), and once
// it waits on the device to be sent (read only). Labels and choices come from the form's
// definition (webapp/record_forms.py), so the page says what the form asked.
import { element } from './dom.mjs'
import { shown } from './record-fields.mjs'
import { londonDateTime } from './words.mjs'

const NOT_ANSWERED = 'Not answered'

function choiceLabel (field, value) {
  if (field.type === 'boolean') return value ? 'Yes' : 'No'
  return field.choices.find((choice) => choice.value === value)?.label ?? String(value)
}

/**
 * One row per question that applies: { name, label, text }, where `name` is the input the
 * Change link goes back to. `record` is what readRecord built; `childLabel` and
 * `recordTypeLabel` are the chosen options' words; `deadline` as readRecord took it.
 */
export function answerRows (definition, record, { childLabel, recordTypeLabel, statuses = [], deadline = null }) {
  const rows = []
  const answers = { record_type: record.record_type, deadline, ...record.fields }
  for (const field of definition.fields) {
    if (field.type === 'child') {
      rows.push({ name: 'child_id', label: field.label, text: childLabel || record.child_id })
    } else if (field.type === 'record_type') {
      rows.push({ name: 'record_type', label: field.label, text: recordTypeLabel || record.record_type })
    } else if (field.type === 'datetime') {
      rows.push({ name: 'event_at-day', label: field.label, text: londonDateTime(record.event_at) })
    } else if (!field.envelope && (field.name in record.fields || shown(definition, field, answers, statuses))) {
      const value = record.fields[field.name]
      const answered = value !== undefined && value !== null && value !== ''
      rows.push({
        name: field.name,
        label: field.label,
        text: !answered ? NOT_ANSWERED : (field.type === 'choice' || field.type === 'boolean') ? choiceLabel(field, value) : value
      })
    }
  }
  return rows
}

/** A GOV.UK summary list of the rows; `changeHref(name)` gives each Change link, or none. */
export function summaryList (rows, changeHref = null) {
  const list = element('dl', { class: 'govuk-summary-list app-answers' })
  for (const row of rows) {
    const item = element('div', { class: 'govuk-summary-list__row' })
    item.append(
      element('dt', { class: 'govuk-summary-list__key' }, row.label),
      element('dd', { class: 'govuk-summary-list__value app-answer' }, row.text)
    )
    if (changeHref) {
      const actions = element('dd', { class: 'govuk-summary-list__actions' })
      const link = element('a', { class: 'govuk-link', href: changeHref(row.name), 'data-change': row.name }, 'Change')
      link.append(element('span', { class: 'govuk-visually-hidden' }, ` ${row.label.replace(/\?$/, '').toLowerCase()}`))
      actions.append(link)
      item.append(actions)
    }
    list.append(item)
  }
  return list
}

/** "Visit for Chloe Evans (WK-1003)": what the record is, and about whom. */
export function recordHeading (recordTypeLabel, childLabel) {
  return `${recordTypeLabel} for ${childLabel}`
}
