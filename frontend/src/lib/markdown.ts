import MarkdownIt from 'markdown-it'

/**
 * Markdown → HTML for docs and agent files. Raw HTML in the source is escaped (`html: false`),
 * and markdown-it's link validation drops `javascript:`, `vbscript:` and non-image `data:` URLs,
 * so the output is safe to put into the page.
 */
const md = new MarkdownIt({ html: false, linkify: true, typographer: false })

// Links open outside the app, without giving the target page a handle on this one.
const defaultLinkOpen =
  md.renderer.rules.link_open ?? ((tokens, idx, options, _env, self) => self.renderToken(tokens, idx, options))
md.renderer.rules.link_open = (tokens, idx, options, env, self) => {
  const token = tokens[idx]
  const href = token?.attrGet('href') ?? ''
  if (token && /^https?:/i.test(href)) {
    token.attrSet('target', '_blank')
    token.attrSet('rel', 'noopener noreferrer')
  }
  return defaultLinkOpen(tokens, idx, options, env, self)
}

// With `sourceLines`, every block element says which source lines it came from
// (`data-source-lines="3-5"`, 1-based, inclusive), so a search hit's line can be found in the page.
md.core.ruler.push('source_lines', (state) => {
  if (!(state.env as RenderOptions | undefined)?.sourceLines) return
  for (const token of state.tokens) {
    if (token.map && token.nesting !== -1 && token.type !== 'inline') {
      token.attrSet('data-source-lines', `${token.map[0] + 1}-${token.map[1]}`)
    }
  }
})

export interface RenderOptions {
  /** Mark block elements with the source lines they came from (`data-source-lines`). */
  sourceLines?: boolean
}

/** Markdown → safe HTML (see above). */
export function renderMarkdown(source: string, options: RenderOptions = {}): string {
  return md.render(source, { ...options })
}

/**
 * The innermost element under `root` rendered from source line `line` (1-based), from the
 * `data-source-lines` marks `renderMarkdown(…, { sourceLines: true })` leaves; null when none covers it.
 */
export function elementForLine(root: ParentNode, line: number): Element | null {
  let found: Element | null = null
  for (const el of root.querySelectorAll('[data-source-lines]')) {
    const [from, to] = (el.getAttribute('data-source-lines') ?? '').split('-').map(Number)
    // Document order: a later match lies inside an earlier one (or after it), so the last wins.
    if (from !== undefined && to !== undefined && from <= line && line <= to) found = el
  }
  return found
}
