// On the sign-in pages: how many finished records are waiting on this device to be sent, so
// that the person who wrote them knows to sign in on it. Counted on the device; nobody need be
// signed in, and nothing but the number is shown.
import { countWaitingOnDevice } from './db.mjs'

export function waitingWords (count) {
  return count === 1
    ? '1 record on this device has not been sent yet. It will be sent when the person who wrote it signs in.'
    : `${count} records on this device have not been sent yet. They will be sent when the person who wrote them signs in.`
}

export class WaitingOnDevice {
  constructor (root) {
    if (!('indexedDB' in window)) return
    this.root = root
    this.show()
    window.addEventListener('online', () => this.show())
  }

  async show () {
    const count = await countWaitingOnDevice().catch(() => 0)
    this.root.textContent = count ? waitingWords(count) : ''
    this.root.hidden = count === 0
  }
}
