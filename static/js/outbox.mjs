// The outbox: finished records waiting for the server.
//
// It follows workbox-background-sync's Queue: records are replayed first in, first out; an
// entry that could not be sent stays where it is, at the front; every entry carries metadata
// (attempts, the last error, the server's messages). It does not depend on Background Sync,
// which Safari on iPad lacks: sync.mjs flushes it whenever a page is open and online.
//
// A record leaves only when the server has it (`accepted` or `duplicate`). One the server
// turned down (`rejected` or `conflict`) stays, with the server's messages, until it is
// corrected; it is skipped, never blocking the records behind it.

const SYNCED_KEPT = 100 // recently synced records listed on My records

export const WAITING = 'waiting'
export const REJECTED = 'rejected'
export const CONFLICT = 'conflict'

function sameRecord (a, b) {
  return JSON.stringify(a) === JSON.stringify(b)
}

export class Outbox {
  constructor (db) {
    this.db = db
  }

  /** Move a finished record from drafts to the outbox, in one transaction. */
  async finish ({ record, values, summary }) {
    const tx = this.db.transaction(['drafts', 'outbox'], 'readwrite')
    const outbox = tx.objectStore('outbox')
    const existing = await outbox.index('id').get(record.id)
    const metadata = existing?.metadata || { queued_at: record.completed_at, attempts: 0 }
    if (existing?.state === CONFLICT && Number.isInteger(metadata.server_version)) {
      // The server holds another version: send this one as its successor.
      record = { ...record, supersedes: metadata.server_version }
    }
    // Re-finishing a turned-down record keeps its seq, and so its place in the queue.
    outbox.put({
      ...(existing ? { seq: existing.seq } : {}),
      id: record.id,
      record,
      values,
      summary,
      state: WAITING,
      metadata: { ...metadata, errors: null, last_error: null }
    })
    tx.objectStore('drafts').delete(record.id)
    await tx.done // resolved on the transaction's complete event: the record is on disk
  }

  /** Every entry, first in first. */
  async entries () {
    return this.db.getAll('outbox')
  }

  /** The entries to send now: waiting ones, first in first. */
  async ready () {
    return (await this.entries()).filter((entry) => entry.state === WAITING)
  }

  async count () {
    return this.db.count('outbox')
  }

  async get (id) {
    return this.db.getFromIndex('outbox', 'id', id)
  }

  /** Keep the practitioner's edits to a turned-down record while they correct it. */
  async saveValues (id, values, summary) {
    const tx = this.db.transaction('outbox', 'readwrite')
    const entry = await tx.store.index('id').get(id)
    if (entry && entry.state !== WAITING) tx.store.put({ ...entry, values, summary })
    await tx.done
  }

  /** Apply the server's answers to the entries that were sent. */
  async settle (sent, results, serverNow) {
    const tx = this.db.transaction(['outbox', 'synced'], 'readwrite')
    const outbox = tx.objectStore('outbox')
    const synced = tx.objectStore('synced')
    const answers = new Map(results.map((result) => [result.id, result]))
    for (const sentEntry of sent) {
      const result = answers.get(sentEntry.id)
      const entry = await outbox.get(sentEntry.seq)
      // Gone, or changed since it was sent: the newer content is for a later flush.
      if (!result || !entry || !sameRecord(entry.record, sentEntry.record)) continue
      const metadata = { ...entry.metadata, attempts: (entry.metadata.attempts || 0) + 1, last_attempt_at: serverNow }
      if (result.status === 'accepted' || result.status === 'duplicate') {
        outbox.delete(entry.seq)
        // What the device keeps of a synced record: enough to list it, never its text.
        synced.put({
          id: entry.id,
          summary: entry.summary,
          record_type: entry.record.record_type,
          event_at: entry.record.event_at,
          completed_at: entry.record.completed_at,
          status: result.status,
          version: result.version,
          timeliness: result.timeliness || null,
          synced_at: serverNow
        })
      } else {
        outbox.put({
          ...entry,
          state: result.status === 'conflict' ? CONFLICT : REJECTED,
          metadata: {
            ...metadata,
            last_status: result.status,
            errors: result.errors || {},
            server_version: result.version ?? null
          }
        })
      }
    }
    await tx.done
    await this.pruneSynced()
  }

  /** The request failed as a whole: every entry stays at the front, with the reason. */
  async failed (sent, message, at) {
    const tx = this.db.transaction('outbox', 'readwrite')
    for (const sentEntry of sent) {
      const entry = await tx.store.get(sentEntry.seq)
      if (!entry) continue
      tx.store.put({
        ...entry,
        metadata: { ...entry.metadata, attempts: (entry.metadata.attempts || 0) + 1, last_attempt_at: at, last_error: message }
      })
    }
    await tx.done
  }

  async synced () {
    const all = await this.db.getAll('synced')
    // Newest first; records sent together, the last finished first.
    return all.sort((a, b) => (b.synced_at || '').localeCompare(a.synced_at || '') ||
      (b.completed_at || '').localeCompare(a.completed_at || ''))
  }

  async pruneSynced () {
    const all = await this.synced()
    if (all.length <= SYNCED_KEPT) return
    const tx = this.db.transaction('synced', 'readwrite')
    for (const old of all.slice(SYNCED_KEPT)) tx.store.delete(old.id)
    await tx.done
  }
}
