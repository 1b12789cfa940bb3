// The council's name in the header. A page rendered for the signed-in user names their
// council, and it is noted in their database; a shell (a form or the offline page, kept for
// whoever uses the device) knows no council, so the noted name takes the service's place
// there, in the header and the page's title, and the header reads the same on every page.
import { getMeta, setMeta } from './db.mjs'

export class CouncilName {
  constructor (root, context) {
    this.name = root.querySelector('[data-council-name]')
    if (!context || !this.name) return
    this.db = context.db
    this.ready = this.name.hasAttribute('data-council-known') ? this.note() : this.show()
  }

  async note () {
    const council = this.name.textContent.trim()
    if ((await getMeta(this.db, 'council_name')) !== council) await setMeta(this.db, 'council_name', council)
  }

  async show () {
    const council = await getMeta(this.db, 'council_name')
    if (!council) return
    this.name.textContent = council
    if (!document.title.endsWith(council)) document.title = `${document.title} – ${council}`
  }
}
