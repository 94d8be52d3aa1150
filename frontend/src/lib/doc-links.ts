/**
 * Where a link inside a document leads: another document (relative `.md` link, resolved against the
 * open document's folder) → its docs path; anything else → null (the browser handles it).
 */
export function resolveDocLink(href: string, currentPath: string): { path: string; hash: string } | null {
  if (!href || /^[a-z][a-z0-9+.-]*:/i.test(href) || href.startsWith('//') || href.startsWith('#')) return null
  const [target = '', hash = ''] = href.split('#', 2)
  if (!/\.md$/i.test(target)) return null
  const base = href.startsWith('/') ? [] : currentPath.split('/').slice(0, -1)
  const parts = [...base]
  for (const segment of target.split('/')) {
    if (segment === '' || segment === '.') continue
    if (segment === '..') {
      if (parts.length === 0) return null // leaves the docs root
      parts.pop()
    } else {
      parts.push(decodeURIComponent(segment))
    }
  }
  return parts.length ? { path: parts.join('/'), hash: hash ? `#${hash}` : '' } : null
}
