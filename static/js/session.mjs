// Who is signed in on this device. The server says so in every page it renders
// (<meta name="user-id">). A page the service worker served from its cache while offline
// belongs to the person who was signed in when it was cached, so offline the device's own
// note of the current user stands in for pages that carry no user (the cached form shells).
import { getDeviceSetting, setDeviceSetting } from './db.mjs'
import { CHANNEL_NAME } from './sync.mjs'

function pageUserId () {
  return document.querySelector('meta[name="user-id"]')?.content || null
}

/** Tell the service worker something and wait for its answer (or give up after a while). */
export function tellServiceWorker (message, timeoutMs = 3000) {
  const worker = navigator.serviceWorker?.controller
  if (!worker) return Promise.resolve(null)
  return new Promise((resolve) => {
    const channel = new MessageChannel()
    const timer = setTimeout(() => resolve(null), timeoutMs)
    channel.port1.onmessage = (event) => {
      clearTimeout(timer)
      resolve(event.data)
    }
    worker.postMessage(message, [channel.port2])
  })
}

/** The signed-in user's id, or null when nobody is. */
export async function signedInUserId () {
  const fromPage = pageUserId()
  if (fromPage && navigator.onLine) {
    // The server has just said who this is: note it for the worker, offline pages and tabs.
    if ((await getDeviceSetting('current_user_id')) !== fromPage) {
      await setDeviceSetting('current_user_id', fromPage)
    }
    tellServiceWorker({ type: 'set-user', userId: fromPage })
    if ('BroadcastChannel' in window) {
      const channel = new BroadcastChannel(CHANNEL_NAME)
      channel.postMessage({ type: 'signed-in', userId: fromPage })
      channel.close()
    }
    return fromPage
  }
  if (fromPage) return fromPage
  if (!navigator.onLine) return (await getDeviceSetting('current_user_id')) || null
  return null
}

/** Forget the signed-in user on this device (sign-out). */
export async function forgetSignedInUser (userId) {
  if ((await getDeviceSetting('current_user_id')) === userId) {
    await setDeviceSetting('current_user_id', undefined)
  }
}
