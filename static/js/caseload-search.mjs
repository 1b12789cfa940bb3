// The caseload search, with or without signal. Online the server searches and htmx swaps its
// list in. Offline, or when the request cannot reach the server, the children kept on this
// device (the caseload from GET /api/v1/caseload, in the user's IndexedDB) are filtered here,
// by the server's rule: the name or the reference contains what was typed, in any case.
// Either way the person is told what the list shows; a search never silently does nothing.
import { getMeta } from './db.mjs'
import { element } from './dom.mjs'
import { londonDateTime, londonWeekdayDate } from './words.mjs'

/** Whether a cached caseload child matches a search: the server's rule (webapp/field/service.py). */
export function matchesSearch (child, search) {
  const wanted = search.trim().toLowerCase()
  if (!wanted) return true
  return child.name.toLowerCase().includes(wanted) || child.id.toLowerCase().includes(wanted)
}

function statusTags (child) {
  const labels = child.status_labels || []
  return labels.map((label, index) => element('strong', {
    class: `govuk-tag app-status-tag ${child.statuses?.[index] === 'child_protection' ? 'govuk-tag--red' : 'govuk-tag--blue'}`
  }, label))
}

// The child's most urgent requirement with a date: the server sends them most urgent first.
function nextDue (child) {
  return (child.visits_due || []).find((due) => due.due_by) || null
}

// The server's order (webapp/field/service.py): the next due date first, no schedule last, then by name.
function byUrgency (a, b) {
  const [x, y] = [nextDue(a)?.due_by || '9999-12-31', nextDue(b)?.due_by || '9999-12-31']
  return x < y ? -1 : x > y ? 1 : a.name.localeCompare(b.name)
}

// The server's words for the next visit, as templates/components/visit_due.html draws them.
function nextVisitCell (child) {
  const cell = element('td', { class: 'govuk-table__cell app-visit-due', 'data-label': 'Next visit', 'data-visit-due': child.id })
  const due = nextDue(child)
  if (!due) {
    cell.append(element('span', { class: 'app-visit-due__words' }, 'No visit schedule'))
    return cell
  }
  cell.append(
    element('strong', { class: `govuk-tag ${due.status_tag} app-visit-due__tag` }, due.status_words),
    document.createTextNode(' '),
    element('span', { class: 'app-visit-due__words' }, due.words)
  )
  return cell
}

// The same table as templates/field/partials/caseload_list.html.
function caseloadTable (children) {
  const table = element('table', { class: 'govuk-table app-caseload app-table-cards' })
  table.append(element('caption', { class: 'govuk-table__caption govuk-visually-hidden' }, 'Children allocated to you, the most urgent visit first'))
  const head = element('thead', { class: 'govuk-table__head' })
  const headings = element('tr', { class: 'govuk-table__row' })
  for (const name of ['Child', 'Next visit', 'Status', 'Last visited']) {
    headings.append(element('th', { scope: 'col', class: 'govuk-table__header' }, name))
  }
  head.append(headings)
  const body = element('tbody', { class: 'govuk-table__body' })
  for (const child of [...children].sort(byUrgency)) {
    const row = element('tr', { class: 'govuk-table__row' })
    const name = element('th', { scope: 'row', class: 'govuk-table__header' })
    name.append(
      element('a', { class: 'govuk-link app-table-link', href: `/children/${encodeURIComponent(child.id)}` }, child.name),
      element('span', { class: 'govuk-hint govuk-!-font-size-16 govuk-!-margin-bottom-0' }, child.id)
    )
    const status = element('td', { class: 'govuk-table__cell', 'data-label': 'Status' })
    status.append(...statusTags(child))
    row.append(
      name,
      nextVisitCell(child),
      status,
      element('td', { class: 'govuk-table__cell', 'data-label': 'Last visited' }, child.last_visit_at ? londonWeekdayDate(child.last_visit_at) : 'Not visited yet')
    )
    body.append(row)
  }
  table.append(head, body)
  return table
}

export class CaseloadSearch {
  constructor (form, context) {
    if (!context) return
    this.form = form
    this.db = context.db
    this.input = form.elements.q
    this.list = document.querySelector(form.getAttribute('hx-target'))
    if (!this.input || !this.list) return
    // htmx would send the search to a server it cannot reach: answer it here instead.
    form.addEventListener('htmx:beforeRequest', (event) => {
      if (navigator.onLine) return
      event.preventDefault()
      this.searchOnDevice()
    })
    // "Online", yet the request never reached the server (a bar of signal that does not answer).
    form.addEventListener('htmx:sendError', () => this.searchOnDevice())
    form.addEventListener('htmx:timeout', () => this.searchOnDevice())
    // A search page opened offline is the cached caseload page, whatever was searched for when
    // it was kept: show what this address asks for.
    const asked = new URLSearchParams(location.search).get('q')
    if (!navigator.onLine && asked !== null) {
      this.input.value = asked
      this.searchOnDevice()
    }
  }

  async searchOnDevice () {
    const search = this.input.value
    const cached = await getMeta(this.db, 'caseload')
    const note = element('div', { class: 'govuk-inset-text app-offline-search', 'aria-live': 'polite' })
    const url = new URL(location.href)
    if (search.trim()) url.searchParams.set('q', search)
    else url.searchParams.delete('q')
    history.replaceState(history.state, '', url)
    if (!cached?.data?.children) {
      note.textContent = 'There is no signal, and the children allocated to you have not been saved on this tablet yet, so they cannot be searched. Try again when there is signal.'
      this.list.replaceChildren(note)
      return
    }
    const found = cached.data.children.filter((child) => matchesSearch(child, search))
    const saved = cached.fetched_at ? ` (saved ${londonDateTime(cached.fetched_at)})` : ''
    const what = search.trim()
      ? `${found.length === 1 ? '1 child matches' : `${found.length} children match`} “${search.trim()}”`
      : `${found.length === 1 ? '1 child' : `${found.length} children`}`
    note.textContent = `No signal: searched the children saved on this tablet${saved}. ${what}.`
    this.list.replaceChildren(note, ...(found.length ? [caseloadTable(found)] : []))
    // A visit waiting on this device shows in the new rows too (static/js/visit-due.mjs).
    this.list.dispatchEvent(new CustomEvent('caseload:drawn'))
  }
}
