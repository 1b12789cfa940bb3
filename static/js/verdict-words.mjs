// A timeliness verdict in plain words: the mirror of webapp/field/verdict_words.py, used for
// records synced while the page is open. tests/field/verdict_words_examples.json is the table
// of examples both must produce.
import { durationWords } from './words.mjs'

/** One sentence saying whether a record reached the file in time and, if late, why. */
export function verdictWords ({ verdict, window, lateBySeconds, cause, eventAt, receivedAt, recordType }) {
  const event = recordType === 'visit' ? 'the visit' : 'the event'
  if (verdict === 'on_time') {
    const elapsed = (Date.parse(receivedAt) - Date.parse(eventAt)) / 1000
    return `On time: reached the file ${durationWords(elapsed)} after ${event} (limit ${window}).`
  }
  const lateBy = `Late by ${durationWords(lateBySeconds)}`
  if (cause === 'synced_late') {
    return `${lateBy}: finished on this tablet in time, but reached the file late (no signal).`
  }
  if (cause === 'recorded_late') {
    return `${lateBy}: finished after the limit of ${window}.`
  }
  // "unknown": the device's clock could not be believed, so nobody can say which it was.
  return `${lateBy}: reached the file after the limit of ${window}. The tablet's clock was wrong,` +
    ' so we cannot tell when it was finished.'
}

/** The words for a sync answer's `timeliness` object and the record it judged. */
export function wordsForTimeliness (timeliness, record) {
  if (!timeliness) return ''
  return verdictWords({
    verdict: timeliness.verdict,
    window: timeliness.window,
    lateBySeconds: timeliness.late_by_seconds,
    cause: timeliness.cause,
    eventAt: record.event_at,
    receivedAt: timeliness.received_at,
    recordType: record.record_type
  })
}
