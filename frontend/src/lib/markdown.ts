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

export function renderMarkdown(source: string): string {
  return md.render(source)
}
