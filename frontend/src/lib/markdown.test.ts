import { describe, expect, it } from 'vitest'
import { elementForLine, renderMarkdown } from './markdown'

describe('the Markdown renderer', () => {
  it('escapes raw HTML instead of passing it through', () => {
    const html = renderMarkdown('Hello <script>alert(1)</script> <img src=x onerror="alert(2)">\n\n<div onclick="x()">block</div>')
    expect(html).not.toContain('<script')
    expect(html).not.toContain('<img')
    expect(html).not.toContain('<div')
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;')
    expect(html).toContain('&lt;div onclick=&quot;x()&quot;&gt;')
  })

  it('drops javascript: links', () => {
    const html = renderMarkdown('[click](javascript:alert(1)) and [ok](https://example.com)')
    expect(html).not.toMatch(/href="javascript:/i)
    expect(html).toContain('<a href="https://example.com" target="_blank" rel="noopener noreferrer">ok</a>')
  })

  it('renders ordinary Markdown', () => {
    expect(renderMarkdown('# Title\n\n**bold** and `code`')).toBe(
      '<h1>Title</h1>\n<p><strong>bold</strong> and <code>code</code></p>\n',
    )
  })

  it('marks block elements with their source lines only when asked, and finds the innermost one for a line', () => {
    const source = '# Title\n\nIntro line\n\n- one\n- two\n  still two\n'
    expect(renderMarkdown(source)).not.toContain('data-source-lines')
    const root = document.createElement('div')
    root.innerHTML = renderMarkdown(source, { sourceLines: true })
    expect(elementForLine(root, 1)?.tagName).toBe('H1')
    expect(elementForLine(root, 3)?.textContent).toBe('Intro line')
    expect(elementForLine(root, 7)?.textContent).toContain('still two')
    expect(elementForLine(root, 7)?.tagName).not.toBe('UL') // the item (or its text), not the whole list
    expect(elementForLine(root, 99)).toBeNull()
  })
})
