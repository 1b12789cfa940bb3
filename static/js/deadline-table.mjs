// Looking a deadline up in the table the server's engine made (webapp/field/deadlines.py):
// no calendar of working days on the device, only a lookup. Pure, so that
// tests/field/test_deadlines_js.py runs it in Node against tests/field/deadline_examples.json.
import { londonWallClock } from './words.mjs'

const DAY_MS = 86400000

/**
 * The deadline for a record about `childId`, of `recordType`, for an event at `eventAt`
 * (an instant): { dueAt (ms), exclusive, window }, or null when the table cannot say.
 */
export function dueFor (table, { childId, recordType, childProtection, eventAt }) {
  const profile = table?.profiles?.[table.children?.[childId]]
  const key = profile?.[recordType]?.[childProtection ? 1 : 0]
  const window = key ? table.windows[key] : null
  if (!window) return null
  const at = new Date(eventAt).getTime()
  if (window.hours) return { dueAt: at + window.hours * 3600000, exclusive: false, window: window.words }
  const { year, month, day, hour, minute, second } = londonWallClock(at)
  const [firstYear, firstMonth, firstDay] = table.first_day.split('-').map(Number)
  const index = Math.round((Date.UTC(year, month - 1, day) - Date.UTC(firstYear, firstMonth - 1, firstDay)) / DAY_MS)
  if (index < 0 || index >= table.days) return null
  let dueAt = Date.parse(window.due_at[index])
  // Working hours counted in whole days: the event's time of day carries over from a working
  // day (never a clock-change day, so the wall clock is the time into the day).
  if (window.adds_time?.[index]) dueAt += ((hour * 60 + minute) * 60 + second) * 1000 + (at % 1000)
  return { dueAt, exclusive: window.exclusive, window: window.words }
}

/** Whether a record arriving at `now` (ms) would be late for this deadline. */
export function isPast (deadline, now) {
  return deadline.exclusive ? now >= deadline.dueAt : now > deadline.dueAt
}
