// The next visit on the caseload and the child's page, as it stands on this device.
//
// The server works out every due date (webapp/timeliness/schedule.py) and puts it in words;
// this draws nothing of its own but one thing the server cannot know yet: a visit finished
// here and waiting to be sent shows "Visited today (waiting to send)" at once. Once the
// caseload kept on the device (GET /api/v1/caseload, refreshed after each sync) is newer than
// the page, its words replace the page's: the server's new due date after the visit arrives.
import { element } from './dom.mjs'
import { getMeta } from './db.mjs'
import { Outbox, WAITING } from './outbox.mjs'
import { onRecordsChanged } from './sync.mjs'
import { londonDateTime, londonWallClock } from './words.mjs'

function sameLondonDay (a, b) {
  const x = londonWallClock(a)
  const y = londonWallClock(b)
  return x.year === y.year && x.month === y.month && x.day === y.day
}

function waitingWords (visit) {
  return sameLondonDay(visit.event_at, Date.now())
    ? 'Visited today (waiting to send)'
    : `Visited ${londonDateTime(visit.event_at)} (waiting to send)`
}

function draw (cell, tagText, tagClass, words) {
  cell.replaceChildren(
    element('strong', { class: `govuk-tag ${tagClass} app-visit-due__tag` }, tagText),
    document.createTextNode(' '),
    element('span', { class: 'app-visit-due__words' }, words)
  )
}

/** The component on the caseload list and the child's page (data-module="visit-due"). */
export class VisitDue {
  constructor (root, context) {
    if (!context) return
    this.root = root
    this.db = context.db
    this.outbox = new Outbox(context.db)
    this.renderedAt = root.dataset.renderedAt || ''
    this.original = new Map()
    onRecordsChanged(context.userId, () => this.render())
    // The caseload search swaps the list (htmx online, caseload-search.mjs offline): draw the new rows too.
    const redraw = () => {
      this.original.clear()
      this.render()
    }
    document.body.addEventListener('htmx:afterSettle', redraw)
    root.addEventListener('caseload:drawn', redraw)
    this.render()
  }

  async render () {
    const [entries, cached] = await Promise.all([this.outbox.entries(), getMeta(this.db, 'caseload')])
    const waiting = new Map()
    for (const entry of entries) {
      const record = entry.record || {}
      if (entry.state !== WAITING || record.record_type !== 'visit') continue
      if (!waiting.has(record.child_id) || waiting.get(record.child_id).event_at < record.event_at) {
        waiting.set(record.child_id, record)
      }
    }
    // Server times both: the caseload's server_now and the page's rendered-at.
    const fresher = cached?.data?.server_now && cached.data.server_now > this.renderedAt
    const children = new Map((fresher ? cached.data.children : []).map((child) => [child.id, child]))
    for (const cell of this.root.querySelectorAll('[data-visit-due]')) {
      if (!this.original.has(cell)) this.original.set(cell, Array.from(cell.childNodes, (node) => node.cloneNode(true)))
      const reference = cell.dataset.visitDue
      const visit = waiting.get(reference)
      const next = children.get(reference)?.visits_due?.find((due) => due.due_by)
      if (visit) {
        draw(cell, 'Visited', 'govuk-tag--blue', waitingWords(visit))
        cell.dataset.visitDueState = 'waiting'
      } else if (next) {
        draw(cell, next.status_words, next.status_tag, next.words)
        cell.dataset.visitDueState = 'server'
      } else {
        cell.replaceChildren(...this.original.get(cell).map((node) => node.cloneNode(true)))
        cell.dataset.visitDueState = 'page'
      }
    }
    this.root.dataset.visitDueReady = 'true'
  }
}
