// IndexedDB on this device. Each user has a database of their own, so that another person
// signing in on a shared tablet can never open (or send) what the first one wrote; the device
// keeps one small database of its own for facts about the device, not about anybody.
import { deleteDB, openDB } from '/static/dist/idb.js'

const USER_DB_VERSION = 1
const DEVICE_DB = 'visit-recorder-device'

export function userDatabaseName (userId) {
  return `visit-recorder-user-${userId}`
}

const userConnections = new Map()

/** The signed-in user's database: drafts, outbox, synced records, the cached caseload. */
export function openUserDb (userId) {
  if (!userConnections.has(userId)) {
    const opening = openDB(userDatabaseName(userId), USER_DB_VERSION, {
      upgrade (db, oldVersion) {
        if (oldVersion < 1) {
          db.createObjectStore('drafts', { keyPath: 'id' })
          // seq gives the outbox its first-in, first-out order; id is the record's own UUID.
          const outbox = db.createObjectStore('outbox', { keyPath: 'seq', autoIncrement: true })
          outbox.createIndex('id', 'id', { unique: true })
          db.createObjectStore('synced', { keyPath: 'id' })
          db.createObjectStore('meta')
        }
      },
      // Another tab is deleting this database (sign-out) or upgrading it (an app update):
      // let go at once, so that neither waits on this tab.
      blocking () {
        forgetUserDb(userId)
      },
      terminated () {
        userConnections.delete(userId)
      }
    })
    userConnections.set(userId, opening)
    opening.catch(() => userConnections.delete(userId))
  }
  return userConnections.get(userId)
}

function forgetUserDb (userId) {
  const opening = userConnections.get(userId)
  userConnections.delete(userId)
  if (opening) opening.then((db) => db.close(), () => {})
}

/** Delete the user's whole database; resolves once it is gone. */
export async function deleteUserDb (userId) {
  forgetUserDb(userId)
  await deleteDB(userDatabaseName(userId))
}

/** Records waiting to be sent on this device, whoever wrote them: read on the sign-in page,
 * where nobody is signed in. Counts only; nothing of a record is read. */
export async function countWaitingOnDevice () {
  if (!indexedDB.databases) return 0
  const prefix = userDatabaseName('')
  const names = (await indexedDB.databases()).map((info) => info.name).filter((name) => name?.startsWith(prefix))
  let waiting = 0
  for (const name of names) {
    const db = await openDB(name) // no version: opens what is there, never creates stores
    if (db.objectStoreNames.contains('outbox')) waiting += await db.count('outbox')
    db.close()
  }
  return waiting
}

let deviceConnection

function openDeviceDb () {
  deviceConnection ||= openDB(DEVICE_DB, 1, {
    upgrade (db) {
      db.createObjectStore('settings')
    }
  })
  return deviceConnection
}

export async function getDeviceSetting (key) {
  return (await openDeviceDb()).get('settings', key)
}

export async function setDeviceSetting (key, value) {
  const db = await openDeviceDb()
  const tx = db.transaction('settings', 'readwrite')
  if (value === undefined) tx.store.delete(key)
  else tx.store.put(value, key)
  await tx.done // the transaction's complete event: the value is on disk
}

/** This device's id for the sync API, made once and kept. */
export async function deviceId () {
  const db = await openDeviceDb()
  // Read and write in one transaction, so that two tabs starting together agree on one id.
  const tx = db.transaction('settings', 'readwrite')
  let id = await tx.store.get('device_id')
  if (!id) {
    id = `web-${crypto.randomUUID()}`
    tx.store.put(id, 'device_id')
  }
  await tx.done
  return id
}

/** A value from the user's meta store (last sync time, cached caseload, sign-in needed). */
export async function getMeta (db, key) {
  return db.get('meta', key)
}

export async function setMeta (db, key, value) {
  const tx = db.transaction('meta', 'readwrite')
  tx.store.put(value, key)
  await tx.done
}
