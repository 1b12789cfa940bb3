// Where a finished record is: on this tablet, sent, or judged. The words and tag of each state,
// for the form's notice and My records, so that the worker sees a record move from "On this
// tablet" to "Sent" to its verdict.
import { getMeta } from './db.mjs'
import { element } from './dom.mjs'
import { Outbox, WAITING } from './outbox.mjs'
import { verdictTag, wordsForTimeliness } from './verdict-words.mjs'

/** A GOV.UK tag. */
export function tag (text, colour) {
  return element('strong', { class: `govuk-tag govuk-tag--${colour}` }, text)
}

/** { tags: [[text, colour], ...], words } for the record with this id, or null if unknown. */
export async function recordState (db, id) {
  const synced = await db.get('synced', id)
  if (synced) {
    if (!synced.timeliness) return { key: 'sent', tags: [['Sent', 'blue']], words: 'Reached the file. No timeliness verdict for this record.' }
    const { verdict, cause } = synced.timeliness
    return { key: 'judged', tags: [['Sent', 'blue'], verdictTag(verdict, cause)], words: wordsForTimeliness(synced.timeliness) }
  }
  const entry = await new Outbox(db).get(id)
  if (!entry) return null
  if (entry.state !== WAITING) {
    return { key: 'turned-down', tags: [['Needs correcting', 'red']], words: 'The server could not accept it. Open it from My records to correct it.' }
  }
  const words = (await getMeta(db, 'needs_sign_in'))
    ? 'Sign in to send it. It is safe on this tablet until you do.'
    : entry.metadata?.last_error
      ? `Not sent yet: ${entry.metadata.last_error}. It will be tried again.`
      : navigator.onLine ? 'Sending it now.' : 'It will be sent when there is signal.'
  return { key: 'on-tablet', tags: [['On this tablet', 'grey']], words }
}

/** The state drawn as its tags and words, in a paragraph. */
export function stateParagraph (state, lead = '') {
  const paragraph = element('p', { class: 'govuk-body app-record-state', 'data-record-state': state.key })
  if (lead) paragraph.append(document.createTextNode(`${lead} `))
  for (const [text, colour] of state.tags) paragraph.append(tag(text, colour), document.createTextNode(' '))
  paragraph.append(document.createTextNode(state.words))
  return paragraph
}
