// Drafts: records still being written, saved to IndexedDB as the practitioner types, so that
// closing the tab, the browser or the tablet loses nothing. A draft's id is the record's own
// UUID, made on this device when the first thing is typed, and it stays the record's id when
// it is finished and sent.

const SAVE_DELAY_MS = 400

export async function getDraft (db, id) {
  return db.get('drafts', id)
}

/** Drafts, the most recently changed first. */
export async function listDrafts (db) {
  const drafts = await db.getAll('drafts')
  return drafts.sort((a, b) => (b.updated_at || '').localeCompare(a.updated_at || ''))
}

export async function saveDraft (db, draft) {
  const tx = db.transaction('drafts', 'readwrite')
  const existing = await tx.store.get(draft.id)
  const now = new Date().toISOString()
  tx.store.put({ created_at: existing?.created_at || now, ...draft, updated_at: now })
  await tx.done // the transaction's complete event: the draft is on disk
}

/**
 * Saves a form as the practitioner types: shortly after each change, and at once when the
 * page is hidden or left. `snapshot()` returns the draft to store, or null for nothing yet.
 */
export class DraftAutosave {
  constructor (form, { save, snapshot }) {
    this.form = form
    this.save = save
    this.snapshot = snapshot
    this.timer = null
    this.saving = Promise.resolve()
    const schedule = () => this.schedule()
    form.addEventListener('input', schedule)
    form.addEventListener('change', schedule)
    // Tablets kill hidden tabs without warning; the hidden moment is the last safe one.
    document.addEventListener('visibilitychange', () => {
      if (document.visibilityState === 'hidden') this.flush()
    })
    window.addEventListener('pagehide', () => this.flush())
  }

  schedule () {
    clearTimeout(this.timer)
    this.timer = setTimeout(() => this.flush(), SAVE_DELAY_MS)
  }

  cancel () {
    clearTimeout(this.timer)
    this.timer = null
  }

  /** Save now; saves never overlap, so an older snapshot cannot overwrite a newer one. */
  flush () {
    this.cancel()
    this.saving = this.saving.then(async () => {
      const draft = this.snapshot()
      if (draft) await this.save(draft)
    }).catch((error) => console.error('Could not save the draft', error))
    return this.saving
  }
}
