// The form shells the service worker precaches hold no personal data, so no children. Offline,
// their child list (and the note form's record types) come from the caseload kept in IndexedDB.
import { getMeta } from './db.mjs'

function children (cached) {
  return (cached?.data?.children || []).map((child) => ({ value: child.id, text: `${child.name} (${child.id})` }))
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

function addMissing (select, choices) {
  const present = new Set(Array.from(select.options, (option) => option.value))
  for (const choice of choices) {
    if (!present.has(choice.value)) select.add(new Option(choice.text, choice.value))
  }
}

/** Fill a form's child and note-type lists from the cached caseload, where the page left them empty. */
export async function fillFromCaseload (form, db) {
  const cached = await getMeta(db, 'caseload')
  if (!cached) return
  const childSelect = form.elements.child_id
  if (childSelect?.tagName === 'SELECT') {
    addMissing(childSelect, children(cached))
    const wanted = childSelect.dataset.selected || new URLSearchParams(location.search).get('child')
    if (wanted && !childSelect.value) childSelect.value = wanted
  }
  // The note form's record types (a visit has its own form).
  const typeSelect = form.elements.record_type
  if (typeSelect?.tagName === 'SELECT') addMissing(typeSelect, recordTypes(cached))
}

/** Each cached child's statuses, by child id: some questions depend on them. */
export async function childStatuses (db) {
  const cached = await getMeta(db, 'caseload')
  return Object.fromEntries((cached?.data?.children || []).map((child) => [child.id, child.statuses || []]))
}

/** The component on a child select (data-module="child-select"). */
export class ChildSelect {
  constructor (select, context) {
    if (!context || !select.form) return
    fillFromCaseload(select.form, context.db)
  }
}
