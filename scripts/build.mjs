// Copies the front-end packages the pages load into static/dist/ (gitignored), draws the app
// icons, and puts the GOV.UK assets where the GOV.UK CSS asks for them (served at /assets/).
// No bundler: every file is shipped as the package publishes it, minified already.
import { copyFileSync, cpSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { deflateSync } from 'node:zlib'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const modules = join(root, 'node_modules')
const dist = join(root, 'static', 'dist')

rmSync(dist, { recursive: true, force: true })
mkdirSync(dist, { recursive: true })

const copies = [
  ['govuk-frontend/dist/govuk/govuk-frontend.min.css', 'govuk-frontend.min.css'],
  ['govuk-frontend/dist/govuk/govuk-frontend.min.js', 'govuk-frontend.min.js'],
  ['htmx.org/dist/htmx.min.js', 'htmx.min.js'],
  // idb's ES module build is one self-contained file.
  ['idb/build/index.js', 'idb.js']
]
for (const [from, to] of copies) {
  copyFileSync(join(modules, from), join(dist, to))
}
// Fonts and images for /assets/. We use neither GDS Transport nor the crown, but the CSS still
// names them, so they are served (never precached) to keep the browser's requests from 404ing.
cpSync(join(modules, 'govuk-frontend/dist/govuk/assets'), join(dist, 'assets'), { recursive: true })

// App icons: our own, drawn here so that no binary lives in git. A white card with three
// lines (a record) on the council's brand colour, read from the style sheet that sets it.
const brand = readFileSync(join(root, 'static', 'css', 'app.css'), 'utf8').match(/--app-brand:\s*#([0-9a-fA-F]{6})\s*;/)[1]
const THEME = [0, 2, 4].map((at) => parseInt(brand.slice(at, at + 2), 16))
const WHITE = [0xff, 0xff, 0xff]

function iconPixel (x, y, size) {
  const u = x / size
  const v = y / size
  const inCard = u > 0.25 && u < 0.75 && v > 0.18 && v < 0.82
  if (!inCard) return THEME
  const line = [0.34, 0.46, 0.58].some((top) => v > top && v < top + 0.05 && u > 0.32 && u < 0.68)
  return line ? THEME : WHITE
}

function crc32 (bytes) {
  let crc = -1
  for (const byte of bytes) {
    crc ^= byte
    for (let k = 0; k < 8; k++) crc = (crc >>> 1) ^ (0xedb88320 & -(crc & 1))
  }
  return (crc ^ -1) >>> 0
}

function chunk (type, data) {
  const length = Buffer.alloc(4)
  length.writeUInt32BE(data.length)
  const body = Buffer.concat([Buffer.from(type, 'ascii'), data])
  const crc = Buffer.alloc(4)
  crc.writeUInt32BE(crc32(body))
  return Buffer.concat([length, body, crc])
}

function png (size) {
  const header = Buffer.alloc(13)
  header.writeUInt32BE(size, 0)
  header.writeUInt32BE(size, 4)
  header[8] = 8 // bit depth
  header[9] = 2 // truecolour RGB
  const rows = Buffer.alloc(size * (1 + size * 3))
  for (let y = 0; y < size; y++) {
    const start = y * (1 + size * 3)
    rows[start] = 0 // no filter
    for (let x = 0; x < size; x++) {
      const [r, g, b] = iconPixel(x, y, size)
      rows.set([r, g, b], start + 1 + x * 3)
    }
  }
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', header),
    chunk('IDAT', deflateSync(rows, { level: 9 })),
    chunk('IEND', Buffer.alloc(0))
  ])
}

mkdirSync(join(dist, 'icons'), { recursive: true })
for (const size of [192, 512]) {
  writeFileSync(join(dist, 'icons', `icon-${size}.png`), png(size))
}

console.log(`Built ${dist}`)
