import { describe, expect, it } from 'vitest'
import { resolveDocLink } from './doc-links'

describe('links between documents', () => {
  it('resolve relative .md links against the open document’s folder', () => {
    expect(resolveDocLink('other.md', 'runbooks/gateway-restart.md')).toEqual({ path: 'runbooks/other.md', hash: '' })
    expect(resolveDocLink('../README.md#setup', 'runbooks/gateway-restart.md')).toEqual({ path: 'README.md', hash: '#setup' })
    expect(resolveDocLink('/guides/a%20b.md', 'runbooks/x.md')).toEqual({ path: 'guides/a b.md', hash: '' })
  })

  it('leave external links, anchors, other files and links above the docs root to the browser', () => {
    expect(resolveDocLink('https://example.com/a.md', 'x.md')).toBeNull()
    expect(resolveDocLink('#top', 'x.md')).toBeNull()
    expect(resolveDocLink('diagram.png', 'x.md')).toBeNull()
    expect(resolveDocLink('../../etc.md', 'runbooks/x.md')).toBeNull()
  })
})
