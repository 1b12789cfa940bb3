// From a record form to a sync API record, offline: the mirror of webapp/field/forms.py
// (read_visit, read_note), so that a record finished on the tablet is the record the server
// would have built from the same form posted online, with the same messages.
import { londonWallClock } from './words.mjs'

const TIME_PATTERN = /^\s*(\d{1,2})[:.](\d{2})\s*$/
const FUTURE_TOLERANCE_MS = 5 * 60 * 1000
const TEXT_MAX = 20000
const SHORT_TEXT_MAX = 500

const VISIT_FIELD_KEYS = [
  'visit_type', 'announced', 'child_seen', 'child_not_seen_reason', 'seen_alone', 'bedroom_seen',
  'present', 'childs_words', 'observations', 'analysis', 'actions'
]
const TEXT_LIMITS = {
  present: SHORT_TEXT_MAX,
  child_not_seen_reason: TEXT_MAX,
  childs_words: TEXT_MAX,
  observations: TEXT_MAX,
  analysis: TEXT_MAX,
  actions: TEXT_MAX,
  text: TEXT_MAX
}
const TEXT_LABELS = {
  child_not_seen_reason: 'Why the child was not seen',
  present: 'Who was present',
  childs_words: 'What the child said',
  observations: 'Your observations',
  analysis: 'Your analysis',
  actions: 'Actions and next steps',
  text: 'The record'
}
const REQUIRED_TEXT = {
  observations: 'Enter what you observed',
  analysis: 'Enter your analysis',
  actions: 'Enter the actions and next steps'
}
// Yes/no questions post "yes" or "no"; the record's fields hold true or false.
const BOOLEANS = { yes: true, no: false }
const EVENT_NAMES = ['event_at-day', 'event_at-month', 'event_at-year', 'event_at-time']
const IGNORED = new Set(['csrf_token', 'draft_id'])

/** What is typed in the form, by field name; the form's own hidden tokens left out. */
export function readValues (form) {
  const values = {}
  for (const element of form.elements) {
    const name = element.name
    if (!name || IGNORED.has(name) || element.disabled) continue
    if (element.type === 'radio') {
      if (!(name in values)) values[name] = ''
      if (element.checked) values[name] = element.value
    } else if (element.type === 'checkbox') {
      values[name] ||= []
      if (element.checked) values[name].push(element.value)
    } else if (['submit', 'button', 'reset', 'file'].includes(element.type)) {
      continue
    } else {
      values[name] = element.value
    }
  }
  return values
}

/** Put saved values back into the form, as if typed. */
export function fillValues (form, values) {
  for (const element of form.elements) {
    const name = element.name
    if (!name || IGNORED.has(name) || !(name in values)) continue
    const value = values[name]
    if (element.type === 'radio') {
      element.checked = element.value === value
    } else if (element.type === 'checkbox') {
      element.checked = Array.isArray(value) && value.includes(element.value)
    } else if (element.tagName === 'SELECT' && value && !selectHas(element, value)) {
      // A child missing from this page's list (for instance a page cached before the child
      // was allocated): keep the saved choice rather than silently dropping it.
      element.add(new Option(value, value))
      element.value = value
    } else if (!['submit', 'button', 'reset', 'file'].includes(element.type)) {
      element.value = value
    }
  }
}

function selectHas (select, value) {
  return Array.from(select.options).some((option) => option.value === value)
}

function trimmed (values, name) {
  const value = values[name]
  return typeof value === 'string' ? value.trim() : ''
}

// Offset of Europe/London from UTC at an instant, in milliseconds.
function londonOffset (instant) {
  const { year, month, day, hour, minute, second } = londonWallClock(instant)
  return Date.UTC(year, month - 1, day, hour, minute, second) - instant
}

/** A London wall-clock time as a UTC instant (the form's times are London times). */
export function londonToUtc (year, month, day, hours, minutes) {
  const wall = Date.UTC(year, month - 1, day, hours, minutes)
  let instant = wall - londonOffset(wall)
  const corrected = wall - londonOffset(instant)
  if (corrected !== instant) instant = corrected
  return new Date(instant)
}

export function isoInstant (date) {
  return date.toISOString().replace('.000Z', 'Z')
}

function readEventAt (values, errors, now, what) {
  const [day, month, year] = ['day', 'month', 'year'].map((part) => trimmed(values, `event_at-${part}`))
  let when = null
  if (!(day || month || year)) {
    errors['event_at-day'] = `Enter the date of the ${what}`
  } else {
    const [d, m, y] = [day, month, year].map((text) => (/^\d+$/.test(text) ? Number(text) : NaN))
    const probe = new Date(Date.UTC(y, m - 1, d))
    if (Number.isNaN(probe.getTime()) || y < 2000 || probe.getUTCDate() !== d || probe.getUTCMonth() !== m - 1) {
      errors['event_at-day'] = `The date of the ${what} must be a real date, like 23 11 2026`
    } else {
      when = [y, m, d]
    }
  }
  const time = trimmed(values, 'event_at-time')
  const match = TIME_PATTERN.exec(time)
  if (!time) {
    errors['event_at-time'] = `Enter the time of the ${what}`
  } else if (!match || Number(match[1]) > 23 || Number(match[2]) > 59) {
    errors['event_at-time'] = `Enter the time of the ${what} as hours and minutes, like 14:30`
  }
  if (errors['event_at-day'] || errors['event_at-time']) return null
  const eventAt = londonToUtc(when[0], when[1], when[2], Number(match[1]), Number(match[2]))
  if (eventAt.getTime() > now.getTime() + FUTURE_TOLERANCE_MS) {
    errors['event_at-day'] = `The date and time of the ${what} must be in the past`
    return null
  }
  return eventAt
}

function choice (values, errors, name, allowed, message) {
  if (!allowed.includes(trimmed(values, name))) errors[name] = message
}

function optionValues (form, name) {
  const control = form.elements[name]
  if (!control) return []
  const list = control.options ? Array.from(control.options) : Array.from(control.length ? control : [control])
  return list.map((option) => option.value).filter(Boolean)
}

function orderErrors (errors, order) {
  const ordered = {}
  for (const name of order) if (errors[name]) ordered[name] = errors[name]
  return ordered
}

function textLengths (values, errors, names) {
  for (const name of names) {
    const limit = TEXT_LIMITS[name]
    if (limit && trimmed(values, name).length > limit) {
      errors[name] = `${TEXT_LABELS[name]} must be ${limit.toLocaleString('en-GB')} characters or fewer`
    }
  }
}

/**
 * Check the form and build the record the sync API takes.
 * `childStatuses` maps child ids to their statuses, where the device knows them.
 * Returns { errors, record } with `errors` by field name, in page order; `record` is null
 * when there are errors.
 */
export function buildRecord (form, values, { id, now = new Date(), childStatuses = {} }) {
  const kind = form.dataset.recordType === 'visit' ? 'visit' : 'case_note'
  const errors = {}
  const childId = trimmed(values, 'child_id')
  if (!childId || !optionValues(form, 'child_id').includes(childId)) {
    errors.child_id = kind === 'visit' ? 'Select the child you visited' : 'Select the child this record is about'
  }

  if (kind === 'visit') {
    const statuses = childStatuses[childId]
    const names = ['child_id', ...EVENT_NAMES, ...VISIT_FIELD_KEYS]
    const eventAt = readEventAt(values, errors, now, 'visit')
    choice(values, errors, 'visit_type', optionValues(form, 'visit_type'), 'Select the type of visit')
    choice(values, errors, 'announced', ['announced', 'unannounced'], 'Select whether the visit was announced')
    choice(values, errors, 'child_seen', ['yes', 'no'], 'Select whether you saw the child')
    const seen = BOOLEANS[trimmed(values, 'child_seen')]
    if (seen === false && !trimmed(values, 'child_not_seen_reason')) {
      errors.child_not_seen_reason = 'Enter why the child was not seen'
    }
    if (seen === true) choice(values, errors, 'seen_alone', ['yes', 'no'], 'Select whether you saw the child alone')
    // The sync API requires the bedroom answer for looked-after children only.
    if (trimmed(values, 'bedroom_seen') || (statuses && statuses.includes('looked_after'))) {
      choice(values, errors, 'bedroom_seen', ['yes', 'no'], 'Select whether you saw the child’s bedroom')
    }
    for (const [name, message] of Object.entries(REQUIRED_TEXT)) {
      if (!trimmed(values, name)) errors[name] = message
    }
    textLengths(values, errors, names)

    const fields = {}
    for (const name of VISIT_FIELD_KEYS) if (trimmed(values, name)) fields[name] = trimmed(values, name)
    for (const name of ['child_seen', 'seen_alone', 'bedroom_seen']) {
      if (name in fields) fields[name] = BOOLEANS[fields[name]]
    }
    if (seen !== false) delete fields.child_not_seen_reason
    if (seen !== true) delete fields.seen_alone
    return finish(errors, {
      id,
      child_id: childId,
      record_type: 'visit',
      event_at: eventAt && isoInstant(eventAt),
      child_protection: fields.visit_type === 'statutory_child_protection',
      fields
    }, names)
  }

  const names = ['child_id', 'record_type', 'note_type', ...EVENT_NAMES, 'text']
  const recordType = trimmed(values, 'record_type')
  if (!recordType || !optionValues(form, 'record_type').includes(recordType)) {
    errors.record_type = 'Select the type of record'
  }
  // A case note also says what kind of contact it records (the sync API's case note form).
  const isCaseNote = recordType === 'case_note'
  if (isCaseNote) {
    choice(values, errors, 'note_type', optionValues(form, 'note_type'), 'Select the kind of case note')
  }
  const eventAt = readEventAt(values, errors, now, 'event')
  if (!trimmed(values, 'text')) errors.text = 'Enter what happened'
  textLengths(values, errors, ['text'])
  return finish(errors, {
    id,
    child_id: childId,
    record_type: recordType,
    event_at: eventAt && isoInstant(eventAt),
    fields: isCaseNote
      ? { note_type: trimmed(values, 'note_type'), text: trimmed(values, 'text') }
      : { text: trimmed(values, 'text') }
  }, names)
}

function finish (errors, record, order) {
  const ordered = orderErrors(errors, order)
  return Object.keys(ordered).length ? { errors: ordered, record: null } : { errors: {}, record }
}

/**
 * The server's messages for a record, keyed by the form's field names where there is one.
 * Marshmallow answers nest them ({fields: {observations: [...]}}) or not ({event_at: [...]}).
 */
export function serverMessagesByField (errors) {
  const byField = {}
  const add = (name, messages) => {
    const list = Array.isArray(messages) ? messages : [messages]
    byField[name] = [...(byField[name] || []), ...list.flatMap((m) => (typeof m === 'string' ? [m] : Object.values(m).flat()))]
  }
  for (const [key, messages] of Object.entries(errors || {})) {
    if (key === 'fields' && messages && !Array.isArray(messages) && typeof messages === 'object') {
      for (const [name, inner] of Object.entries(messages)) add(name, inner)
    } else if (key === 'event_at') {
      add('event_at-day', messages)
    } else {
      add(key, messages)
    }
  }
  return byField
}
