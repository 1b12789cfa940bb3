// "Must reach the file by …" on the record forms, offline too. The server's engine worked the
// deadlines out ahead (webapp/field/deadlines.py, GET /api/v1/deadlines); this module only looks
// one up (deadline-table.mjs), so the device never has a second calendar of working days.
import { getMeta, setMeta } from './db.mjs'
import { element } from './dom.mjs'
import { answersOf, holds, londonToUtc, readValues } from './record-fields.mjs'
import { dueFor, isPast } from './deadline-table.mjs'
import { deadlineWords, londonWallClock } from './words.mjs'

/** The table: fresh from the server when online (and kept), else the copy kept on the device. */
export async function loadDeadlines (db) {
  if (navigator.onLine) {
    try {
      const response = await fetch('/api/v1/deadlines', { credentials: 'same-origin', cache: 'no-store' })
      if (response.ok) {
        const table = await response.json()
        await setMeta(db, 'deadlines', table)
        return table
      }
    } catch (error) {
      // Offline after all: the copy from last time.
    }
  }
  return getMeta(db, 'deadlines')
}

function eventInstant (values) {
  const [day, month, year] = ['day', 'month', 'year'].map((part) => Number((values[`event_at-${part}`] || '').trim()))
  const time = (values['event_at-time'] || '').trim().match(/^([0-9]{1,2})[:.]([0-9]{2})$/)
  if (!day || !month || !year || year < 2000 || !time || Number(time[1]) > 23 || Number(time[2]) > 59) return null
  const instant = londonToUtc(year, month, day, Number(time[1]), Number(time[2]))
  const wall = londonWallClock(instant)
  return wall.day === day && wall.month === month ? instant.getTime() : null // 31 February is no date
}

/** The notice under the form's date and time, and the delay question it opens when late. */
export class DeadlineNotice {
  constructor (form, { definition, table, children }) {
    this.form = form
    this.definition = definition
    this.table = table
    this.children = children
    this.notice = element('div', { class: 'govuk-inset-text app-deadline', 'data-deadline': '', 'aria-live': 'polite', hidden: '' })
    const anchor = form.querySelector('#event_at-time')?.closest('fieldset') || form.querySelector('[data-record-field="event_at"]')
    if (anchor) anchor.after(this.notice)
    this.reason = form.querySelector('[data-record-field="delay_reason"]')
    this.update()
  }

  update (now = Date.now()) {
    const values = readValues(this.form)
    const answers = answersOf(this.definition, values)
    const statuses = this.children()[values.child_id] || []
    const eventAt = eventInstant(values)
    const deadline = eventAt && values.child_id
      ? dueFor(this.table, {
        childId: values.child_id,
        recordType: this.definition.record_type === 'visit' ? 'visit' : values.record_type,
        childProtection: !!this.definition.child_protection_when && holds(this.definition.child_protection_when, answers, statuses),
        eventAt
      })
      : null
    const late = deadline ? isPast(deadline, now) : false
    let text = ''
    if (deadline) {
      const by = deadlineWords(deadline.dueAt, deadline.exclusive)
      text = late
        ? `The deadline has passed: this record had to reach the file ${by} (${deadline.window}). Say below why it is late.`
        : `Must reach the file ${by} (${deadline.window}).`
    }
    if (this.notice.textContent !== text) this.notice.textContent = text
    this.notice.hidden = !text
    this.notice.classList.toggle('app-deadline--passed', late)
    // Until the child and the time are chosen there is nothing to be late for, so the question
    // waits. Without a deadline to go by (no table, or a day it does not cover) it stays;
    // readRecord leaves out its answer when the deadline is ahead (the definition's `late`).
    this.state = deadline ? (late ? 'passed' : 'ahead') : null
    if (this.reason) this.reason.hidden = this.state === 'ahead' || !(eventAt && values.child_id)
    this.form.dataset.deadlineState = this.state || 'unknown'
  }
}
