// The form shells the service worker precaches hold no personal data, so no children. Offline,
// their child list (and the note form's record types) come from the caseload kept in IndexedDB.
import { getMeta } from './db.mjs'
import { groupRecordTypes } from './record-fields.mjs'

function children (cached) {
  return (cached?.data?.children || []).map((child) => ({
    value: child.id, text: `${child.name} (${child.id})`, statuses: child.statuses || []
  }))
}

function recordTypes (cached) {
  const seen = new Map()
  for (const authority of cached?.data?.authorities || []) {
    for (const type of authority.record_types || []) {
      if (type.id !== 'visit' && !seen.has(type.id)) seen.set(type.id, type.label)
    }
  }
  return Array.from(seen, ([value, text]) => ({ value, text }))
}

/** Add the choices a select (or one of its optgroups) lacks. */
function addMissing (list, choices) {
  const present = new Set(Array.from(list.querySelectorAll('option'), (option) => option.value))
  for (const choice of choices) {
    if (present.has(choice.value)) continue
    const option = new Option(choice.text, choice.value)
    if (choice.statuses) option.dataset.statuses = choice.statuses.join(' ')
    list.append(option)
  }
}

/**
 * Fill a form's child and note-type lists from the cached caseload, where the page left them
 * empty, and choose the child the link names: it always wins over what the page had selected.
 */
export async function fillFromCaseload (form, db) {
  const cached = await getMeta(db, 'caseload')
  if (cached) addChoices(form, cached)
  const wanted = new URLSearchParams(location.search).get('child')
  const childSelect = form.elements.child_id
  if (wanted && childSelect?.tagName === 'SELECT') childSelect.value = wanted
}

function addChoices (form, cached) {
  const childSelect = form.elements.child_id
  if (childSelect?.tagName === 'SELECT') {
    addMissing(childSelect, children(cached))
  }
  // The note form's record types (a visit has its own form), in the form's groups.
  const typeSelect = form.elements.record_type
  if (typeSelect?.tagName === 'SELECT' && !typeSelect.querySelector('optgroup')) {
    const definition = JSON.parse(document.getElementById('record-form-definition')?.textContent || '{}')
    for (const group of groupRecordTypes(definition, recordTypes(cached))) {
      const optgroup = document.createElement('optgroup')
      optgroup.label = group.label
      optgroup.dataset.statuses = group.statuses.join(' ')
      addMissing(optgroup, group.members)
      typeSelect.append(optgroup)
    }
  }
}

/** The component on a child select (data-module="child-select"). */
export class ChildSelect {
  constructor (select, context) {
    // A correction keeps its child: its page offers only that one.
    if (!context || !select.form || select.form.dataset.correcting) return
    fillFromCaseload(select.form, context.db)
  }
}
