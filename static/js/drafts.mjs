// Drafts: records still being written, saved to IndexedDB as the practitioner types, so that
// closing the tab, the browser or the tablet loses nothing. A draft's id is the record's own
// UUID, made on this device when the first thing is typed, and it stays the record's id when
// it is finished and sent.

export async function getDraft (db, id) {
  return db.get('drafts', id)
}

/** Drafts, the most recently changed first. */
export async function listDrafts (db) {
  const drafts = await db.getAll('drafts')
  return drafts.sort((a, b) => (b.updated_at || '').localeCompare(a.updated_at || ''))
}

/**
 * Store a draft; resolves once it is on disk. The write is one put, committed at once: a page
 * closed a moment later (its last keystroke, its pagehide) still gets it to disk, as the
 * browser finishes a committed transaction without the page. Read-write transactions on one
 * store run in the order they were made, so an older snapshot never overwrites a newer one.
 */
export function saveDraft (db, draft) {
  const now = new Date().toISOString()
  const tx = db.transaction('drafts', 'readwrite')
  tx.store.put({ ...draft, created_at: draft.created_at || now, updated_at: now })
  if (typeof tx.commit === 'function') tx.commit()
  return tx.done // the transaction's complete event: the draft is on disk
}

/**
 * Saves a form as the practitioner types: on every change, and again when the page is
 * hidden or left. `snapshot()` returns the draft to store, or null for nothing yet.
 */
export class DraftAutosave {
  constructor (form, { save, snapshot }) {
    this.form = form
    this.save = save
    this.snapshot = snapshot
    const flush = () => this.flush()
    form.addEventListener('input', flush)
    form.addEventListener('change', flush)
    // Tablets kill hidden tabs without warning; the hidden moment is the last safe one.
    document.addEventListener('visibilitychange', () => {
      if (document.visibilityState === 'hidden') this.flush()
    })
    window.addEventListener('pagehide', flush)
  }

  /**
   * Save what is on screen now. The snapshot is taken and its write begun before this
   * returns, so a page closing straight after an event handler calls it loses nothing.
   */
  flush () {
    const draft = this.snapshot()
    if (!draft) return Promise.resolve()
    return Promise.resolve(this.save(draft)).catch((error) => console.error('Could not save the draft', error))
  }
}
