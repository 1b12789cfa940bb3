// Building the few elements the modules draw themselves.

/** A new element with attributes and, optionally, its text. */
export function element (tag, attributes = {}, text) {
  const node = document.createElement(tag)
  for (const [name, value] of Object.entries(attributes)) node.setAttribute(name, value)
  if (text !== undefined) node.textContent = text
  return node
}
