// Durations, times and deadlines in words: the mirror of webapp/words.py, for what the device draws
// itself. tests/field/verdict_words_examples.json is the table of examples both must produce.
// Month and day names are spelt here rather than by the browser's locale data, which differs
// between browsers ("Sep" or "Sept"), so that every page says the same as the server.

const MINUTE = 60
const HOUR = 60 * MINUTE
const DAY = 24 * HOUR

const MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August',
  'September', 'October', 'November', 'December']
const WEEKDAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday']

const LONDON_FIELDS = new Intl.DateTimeFormat('en-GB', {
  timeZone: 'Europe/London',
  hourCycle: 'h23',
  year: 'numeric',
  month: 'numeric',
  day: 'numeric',
  hour: 'numeric',
  minute: 'numeric',
  second: 'numeric'
})

function unit (amount, name) {
  return amount === 1 ? `${amount} ${name}` : `${amount} ${name}s`
}

// Rounded down: a record 59 seconds late is late by "less than a minute", never "1 minute".
// Past a day, minutes no longer help the reader, so they are left out.
export function durationWords (seconds) {
  seconds = Math.floor(Math.max(Number(seconds) || 0, 0))
  if (seconds < MINUTE) return 'less than a minute'
  const days = Math.floor(seconds / DAY)
  let rest = seconds % DAY
  const hours = Math.floor(rest / HOUR)
  rest %= HOUR
  const minutes = Math.floor(rest / MINUTE)
  const parts = days
    ? [unit(days, 'day'), hours ? unit(hours, 'hour') : '']
    : [hours ? unit(hours, 'hour') : '', minutes ? unit(minutes, 'minute') : '']
  return parts.filter(Boolean).join(' ')
}

/** The wall clock in London at an instant (ISO 8601, a Date or milliseconds); month from 1. */
export function londonWallClock (instant) {
  const parts = LONDON_FIELDS.formatToParts(new Date(instant))
  const field = (type) => Number(parts.find((part) => part.type === type).value)
  return {
    year: field('year'),
    month: field('month'),
    day: field('day'),
    hour: field('hour'),
    minute: field('minute'),
    second: field('second')
  }
}

/** 'Mon 23 Nov 2026, 14:30' in London time, for an ISO 8601 instant or a Date. */
export function londonDateTime (instant) {
  const { hour, minute } = londonWallClock(instant)
  const time = [hour, minute].map((n) => String(n).padStart(2, '0')).join(':')
  return `${londonWeekdayDate(instant)}, ${time}`
}

/** 'Mon 23 Nov 2026', the day in London of an instant: how the pages write a day. */
export function londonWeekdayDate (instant) {
  const { year, month, day } = londonWallClock(instant)
  const weekday = WEEKDAYS[new Date(Date.UTC(year, month - 1, day)).getUTCDay()].slice(0, 3)
  return `${weekday} ${day} ${MONTHS[month - 1].slice(0, 3)} ${year}`
}

function dayWords (year, month, day) {
  const weekday = WEEKDAYS[new Date(Date.UTC(year, month - 1, day)).getUTCDay()]
  return `${weekday} ${day} ${MONTHS[month - 1]}`
}

/**
 * When a record must reach the file: 'by the end of Wednesday 8 April' for a day window, whose
 * `dueAt` is the exclusive midnight ending its last day, or 'by 16:00 on Thursday 9 April'.
 */
export function deadlineWords (dueAt, exclusive) {
  if (exclusive) {
    const { year, month, day } = londonWallClock(new Date(dueAt).getTime() - 1)
    return `by the end of ${dayWords(year, month, day)}`
  }
  const { year, month, day, hour, minute } = londonWallClock(dueAt)
  const time = [hour, minute].map((n) => String(n).padStart(2, '0')).join(':')
  return `by ${time} on ${dayWords(year, month, day)}`
}
