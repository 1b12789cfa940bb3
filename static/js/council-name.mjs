// The council's name in the header. A page rendered for the signed-in user names their
// council, and it is noted on the device; a shell (a form or the offline page, kept for
// whoever uses the device) knows no council, so the noted name takes the service's place
// there, in the header and the page's title, and the header reads the same on every page.
// The name is kept in the device's database as {userId, name}, not in the user's own: the
// offline page is public and opens nobody's database, and a council's name is nobody's data.
// It is shown only while the person it was noted for is the one signed in on the device.
import { getDeviceSetting, setDeviceSetting } from './db.mjs'

export const COUNCIL_NAME_SETTING = 'council_name'

export class CouncilName {
  constructor (root, context) {
    this.name = root.querySelector('[data-council-name]')
    if (!this.name || !('indexedDB' in window)) return
    if (this.name.hasAttribute('data-council-known')) {
      if (context) this.ready = this.note(context.userId)
    } else {
      this.ready = this.show()
    }
  }

  async note (userId) {
    const name = this.name.textContent.trim()
    const noted = await getDeviceSetting(COUNCIL_NAME_SETTING)
    if (noted?.userId !== userId || noted?.name !== name) await setDeviceSetting(COUNCIL_NAME_SETTING, { userId, name })
  }

  async show () {
    const [userId, noted] = await Promise.all([getDeviceSetting('current_user_id'), getDeviceSetting(COUNCIL_NAME_SETTING)])
    if (!userId || !noted?.name || noted.userId !== userId) return
    this.name.textContent = noted.name
    if (!document.title.endsWith(noted.name)) document.title = `${document.title} – ${noted.name}`
  }
}
