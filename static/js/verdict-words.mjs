// A timeliness verdict in plain words: the mirror of webapp/field/verdict_words.py, used for
// records synced while the page is open. tests/field/verdict_words_examples.json is the table
// of examples both must produce.
import { deadlineWords, durationWords } from './words.mjs'

// A verdict's tag: its words and its GOV.UK tag colour (see TAGS in verdict_words.py).
const TAGS = {
  none: ['No verdict', 'grey'],
  on_time: ['On time', 'green'],
  synced_late: ['Finished on time, sent late (no signal)', 'yellow'],
  recorded_late: ['Written late', 'red'],
  unknown: ['Late', 'orange'] // the sentence says the cause is unknown
}

/** The tag for a verdict: ['On time', 'green'], ['Written late', 'red'], ... */
export function verdictTag (verdict, cause) {
  if (verdict === 'late') return TAGS[cause] || TAGS.unknown
  return TAGS[verdict] || TAGS.none
}

/** The sentence beside a verdict's tag: how long before or after the deadline, and why. */
export function verdictWords ({ verdict, window, dueAt, dueExclusive, lateBySeconds, cause, receivedAt, finishedAtKnown = true }) {
  const deadline = `Deadline (${window}): ${deadlineWords(dueAt, dueExclusive)}.`
  if (verdict === 'on_time') {
    const ahead = (Date.parse(dueAt) - Date.parse(receivedAt)) / 1000
    if (ahead <= 0) return `Reached the file exactly at the deadline. ${deadline}`
    return `Reached the file ${durationWords(ahead)} before the deadline. ${deadline}`
  }
  const lateBy = durationWords(lateBySeconds)
  if (cause === 'synced_late') {
    return `Finished on this tablet in time, but reached the file ${lateBy} after the deadline,` +
      ` held up by no signal. ${deadline}`
  }
  if (cause === 'recorded_late') return `Finished after the deadline, and reached the file ${lateBy} after it. ${deadline}`
  const why = finishedAtKnown ? "the tablet's clock was wrong" : 'no time from the tablet'
  return `Cause unknown: ${why}. Reached the file ${lateBy} after the deadline. ${deadline}`
}
/** The words for a sync answer's `timeliness` object. */
export function wordsForTimeliness (timeliness) {
  if (!timeliness) return ''
  return verdictWords({
    verdict: timeliness.verdict,
    window: timeliness.window,
    dueAt: timeliness.due_at,
    dueExclusive: timeliness.due_exclusive,
    lateBySeconds: timeliness.late_by_seconds,
    cause: timeliness.cause,
    receivedAt: timeliness.received_at
  })
}
