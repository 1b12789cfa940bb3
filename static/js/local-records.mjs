// My records, the part only this device knows: drafts, records waiting to be sent (with the
// server's messages for any it turned down), and records recently sent, with their verdicts.
import { element } from './dom.mjs'
import { listDrafts } from './drafts.mjs'
import { Outbox, WAITING } from './outbox.mjs'
import { serverMessagesByField } from './record-fields.mjs'
import { onRecordsChanged } from './sync.mjs'
import { tag } from './record-state.mjs'
import { verdictTag, wordsForTimeliness } from './verdict-words.mjs'

function describe (summary) {
  const who = summary?.child_name || summary?.child_id || 'No child chosen yet'
  const what = summary?.record_type_label || 'Record'
  const when = [summary?.event_date, summary?.event_time].filter(Boolean).join(', ')
  return `${what} – ${who}${when ? ` – ${when}` : ''}`
}

function formPath (summary, recordType) {
  if (summary?.form_path) return summary.form_path
  return recordType === 'visit' ? '/visits/new' : '/notes/new'
}

export class LocalRecords {
  constructor (root, context) {
    if (!context || !('indexedDB' in window)) return
    this.root = root
    this.context = context
    this.outbox = new Outbox(context.db)
    const refresh = () => this.render()
    onRecordsChanged(context.userId, refresh)
    this.render()
  }

  async render () {
    const [drafts, entries, synced] = await Promise.all([
      listDrafts(this.context.db), this.outbox.entries(), this.outbox.synced()
    ])
    const sections = [
      this.section('Drafts', 'drafts', drafts, 'No drafts on this tablet.', (draft) => {
        const item = element('li')
        item.append(element('a', { class: 'govuk-link', href: `${formPath(draft.summary, draft.record_type)}?draft=${draft.id}` }, `Continue: ${describe(draft.summary)}`))
        return item
      }),
      this.section('Waiting to send', 'waiting', entries, 'Nothing is waiting to be sent.', (entry) => this.outboxItem(entry)),
      this.section('Sent from this device', 'sent', synced, 'Nothing sent from this device yet.', (sent) => {
        const item = element('li')
        item.append(element('a', { class: 'govuk-link govuk-!-font-weight-bold', href: `/records/${sent.id}` }, describe(sent.summary)), element('br'))
        item.append(tag('Sent', 'blue'), document.createTextNode(' '))
        if (sent.timeliness) item.append(tag(...verdictTag(sent.timeliness.verdict, sent.timeliness.cause)), document.createTextNode(' '))
        item.append(document.createTextNode(wordsForTimeliness(sent.timeliness) || 'Reached the file. No timeliness verdict for this record.'))
        return item
      })
    ]
    this.root.replaceChildren(...sections)
    this.root.dataset.ready = 'true'
  }

  section (title, key, items, empty, draw) {
    const section = element('section', { class: 'app-local-records__section', 'aria-labelledby': `local-${key}` })
    section.append(element('h2', { class: 'govuk-heading-m', id: `local-${key}` }, `${title} (${items.length})`))
    if (!items.length) {
      section.append(element('p', { class: 'govuk-body' }, empty))
      return section
    }
    const list = element('ul', { class: 'govuk-list govuk-list--spaced', 'aria-labelledby': `local-${key}` })
    list.append(...items.map(draw))
    section.append(list)
    return section
  }

  outboxItem (entry) {
    const item = element('li')
    const label = describe(entry.summary)
    if (entry.state === WAITING) {
      // Finished: it opens to be read in full, not to be changed.
      item.append(tag('On this tablet', 'grey'), document.createTextNode(' '))
      item.append(element('a', { class: 'govuk-link', href: `${formPath(entry.summary, entry.record.record_type)}?draft=${entry.id}` }, label))
      if (entry.metadata?.last_error) {
        item.append(element('br'), element('span', { class: 'govuk-hint' }, `Not sent yet: ${entry.metadata.last_error}. It will be tried again.`))
      }
      return item
    }
    item.append(element('strong', { class: 'govuk-tag govuk-tag--red' }, entry.state === 'conflict' ? 'Conflict' : 'Needs correcting'), document.createTextNode(` ${label}`))
    const messages = Object.values(serverMessagesByField(entry.metadata?.errors)).flat()
    if (messages.length) {
      const list = element('ul', { class: 'govuk-list govuk-error-message' })
      list.append(...messages.map((message) => element('li', {}, message)))
      item.append(list)
    }
    item.append(element('a', { class: 'govuk-link', href: `${formPath(entry.summary, entry.record.record_type)}?draft=${entry.id}` }, `Correct and send again: ${label}`))
    return item
  }
}
