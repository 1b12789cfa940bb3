// From a record form to a sync API record, offline, driven by the form's definition
// (webapp/record_forms.py, embedded in the page as JSON): the same checks and messages as the
// server's reading of the same form posted online, so a record finished on the tablet is the
// record the server would have built. tests/record_form_examples.json holds both to it.
import { londonWallClock } from './words.mjs'

// Yes/no questions post "yes" or "no"; the record's fields hold true or false.
const BOOLEANS = { yes: true, no: false }

// Hidden inputs of the page, not answers: the CSRF token, and which record a correction replaces.
const IGNORED = new Set(['csrf_token', 'draft_id', 'correcting', 'supersedes'])

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

function trimmed (values, name) {
  const value = values[name]
  return typeof value === 'string' ? value.trim() : ''
}

function readEventAt (definition, values, errors, now) {
  const messages = definition.event_at_messages
  const number = new RegExp(definition.number_pattern)
  const [day, month, year] = ['day', 'month', 'year'].map((part) => trimmed(values, `event_at-${part}`))
  let when = null
  if (!(day || month || year)) {
    errors['event_at-day'] = messages.date_missing
  } else {
    const [d, m, y] = [day, month, year].map((text) => (number.test(text) ? Number(text) : NaN))
    const probe = new Date(Date.UTC(y, m - 1, d))
    if (Number.isNaN(probe.getTime()) || y < definition.earliest_year || y > definition.latest_year ||
        probe.getUTCDate() !== d || probe.getUTCMonth() !== m - 1) {
      errors['event_at-day'] = messages.date_invalid
    } else {
      when = [y, m, d]
    }
  }
  const time = trimmed(values, 'event_at-time')
  const match = new RegExp(definition.time_pattern).exec(time)
  if (!time) {
    errors['event_at-time'] = messages.time_missing
  } else if (!match || Number(match[1]) > 23 || Number(match[2]) > 59) {
    errors['event_at-time'] = messages.time_invalid
  }
  if (errors['event_at-day'] || errors['event_at-time']) return null
  const eventAt = londonToUtc(when[0], when[1], when[2], Number(match[1]), Number(match[2]))
  if (eventAt.getTime() > now.getTime() + definition.future_tolerance_seconds * 1000) {
    errors['event_at-day'] = messages.future
    return null
  }
  return eventAt
}

/**
 * Whether a condition of the definition (show_when, child_protection_when) holds. `values.deadline`
 * is 'passed' or 'ahead' when the record's deadline is known (a `late` condition holds unless
 * it is ahead).
 */
export function holds (condition, values, childStatuses) {
  if (!condition) return true
  if (condition.late) return values.deadline !== 'ahead'
  if (condition.child_status) return (childStatuses || []).includes(condition.child_status)
  return values[condition.field] === condition.equals
}

/** Whether a question is shown, given the answers so far and the chosen child's statuses. */
export function shown (definition, field, values, childStatuses) {
  return holds(field.show_when, { record_type: definition.record_type, ...values }, childStatuses)
}

/** A value as the form holds it, as the record holds it: null when not answered. */
function posted (field, text) {
  if (text === '') return null
  if (field.type === 'boolean') return text in BOOLEANS ? BOOLEANS[text] : text
  return text
}

// Why a given value is not acceptable, or null. Blank text counts as missing.
function problem (field, value) {
  const { messages } = field
  if (field.type === 'text' || field.type === 'textarea') {
    if (typeof value !== 'string') return messages.invalid
    if (field.required && !value.trim()) return messages.missing
    if (value.length > field.max_length) return messages.too_long
  } else if (field.type === 'choice') {
    if (!field.choices.some((choice) => choice.value === value)) return messages.invalid
  } else if (field.type === 'boolean') {
    if (typeof value !== 'boolean') return messages.invalid
  }
  return null
}

/** The answers of the form's typed values, with the chosen child's statuses. */
export function answersOf (definition, values) {
  const typed = {}
  for (const field of definition.fields) {
    if (field.type === 'record_type') typed.record_type = trimmed(values, 'record_type')
    else if (!field.envelope) typed[field.name] = posted(field, trimmed(values, field.name))
  }
  return typed
}

/**
 * Check a form's values (as readValues gives them) by the form's definition, and build the
 * record the sync API takes: the mirror of Form.read in webapp/record_forms.py.
 * `children` maps each child the form offers to the child's statuses; `recordTypes` lists the
 * record types it offers; `deadline` whether the record's deadline has passed ('passed',
 * 'ahead', or null when it is not known). A question that does not apply is left out of the
 * record, whatever was typed in it. Returns { errors, record } with `errors` by input name, in
 * page order; `record` is null when there are errors.
 */
export function readRecord (definition, values, { now = new Date(), children = {}, recordTypes = [], deadline = null }) {
  const errors = {}
  const childId = trimmed(values, 'child_id')
  const typed = { ...answersOf(definition, values), deadline }
  let eventAt = null
  for (const field of definition.fields) {
    if (field.type === 'child') {
      if (!Object.hasOwn(children, childId)) errors.child_id = field.messages.missing
    } else if (field.type === 'record_type') {
      if (!recordTypes.includes(typed.record_type)) errors.record_type = field.messages.missing
    } else if (field.type === 'datetime') {
      eventAt = readEventAt(definition, values, errors, now)
    }
  }
  const statuses = children[childId] || []
  const fields = {}
  for (const field of definition.fields) {
    if (field.envelope || typed[field.name] === null || !shown(definition, field, typed, statuses)) continue
    fields[field.name] = typed[field.name]
  }
  const context = { record_type: typed.record_type ?? definition.record_type, deadline, ...fields }
  for (const field of definition.fields) {
    if (field.envelope) continue
    if (!(field.name in fields)) {
      if (field.required && shown(definition, field, context, statuses)) errors[field.name] = field.messages.missing
      continue
    }
    const message = problem(field, fields[field.name])
    if (message) errors[field.name] = message
  }
  const ordered = {}
  for (const name of inputNames(definition)) if (errors[name]) ordered[name] = errors[name]
  if (Object.keys(ordered).length) return { errors: ordered, record: null }
  return {
    errors: {},
    record: {
      child_id: childId,
      record_type: typed.record_type ?? definition.record_type,
      event_at: isoInstant(eventAt),
      child_protection: definition.child_protection_when ? holds(definition.child_protection_when, fields, statuses) : false,
      fields
    }
  }
}

/** The names a page of the form posts, in page order. */
export function inputNames (definition) {
  return definition.fields.flatMap((field) => field.type === 'datetime'
    ? ['day', 'month', 'year', 'time'].map((part) => `${field.name}-${part}`)
    : [field.envelope || field.name])
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

/**
 * An authority's record types ([{value, text}]) in the definition's groups
 * (webapp/record_forms.py, grouped_record_types): [{label, statuses, members}], in the groups'
 * order; the last group (with no types of its own) takes every type no other group names.
 */
export function groupRecordTypes (definition, types) {
  const groups = definition.record_type_groups || []
  const named = new Set(groups.flatMap((group) => group.record_types))
  return groups.map((group) => ({
    label: group.label,
    statuses: group.statuses,
    members: group.record_types.length
      ? group.record_types.flatMap((id) => types.filter((type) => type.value === id))
      : types.filter((type) => !named.has(type.value))
  })).filter((group) => group.members.length)
}

/** Whether a group of record types is offered for a child: as RecordTypeGroup.applies_to. */
export function groupApplies (groupStatuses, childStatuses) {
  return !groupStatuses.length || !childStatuses.length || groupStatuses.some((status) => childStatuses.includes(status))
}
