// Reading back the signed-in user's records (GET /api/v1/records), page by page: while an
// answer has a next_cursor, it is sent back for the next page. Records that reach the server
// while the pages are read come on later pages; one given a new version meanwhile comes again.
const RECORDS_PATH = '/api/v1/records'

/**
 * Every record received at or after `since` (every record, when null), each at its latest
 * version, and the `since` to read from next time. `getJson(path)` resolves with a page's JSON.
 */
export async function readRecords (getJson, since = null) {
  const latest = new Map()
  let path = since ? `${RECORDS_PATH}?since=${encodeURIComponent(since)}` : RECORDS_PATH
  for (;;) {
    const page = await getJson(path)
    for (const record of page.records) latest.set(record.id, record) // the later copy wins
    if (!page.next_cursor) return { records: [...latest.values()], nextSince: page.server_now }
    path = `${RECORDS_PATH}?cursor=${encodeURIComponent(page.next_cursor)}`
  }
}
