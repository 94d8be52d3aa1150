// Checks the production build against the server's Content-Security-Policy:
// both pages exist, no inline <script> or inline event handlers, every script/style/icon is a
// same-origin /assets/* file, and no bundled script uses eval or new Function.
import { existsSync, readFileSync, readdirSync } from 'node:fs'
import { join } from 'node:path'

const dist = new URL('../dist/', import.meta.url).pathname
const failures = []

for (const page of ['index.html', 'graphiql.html']) {
  const file = join(dist, page)
  if (!existsSync(file)) {
    failures.push(`${page}: missing`)
    continue
  }
  const html = readFileSync(file, 'utf8')
  for (const [tag, attrs, body] of Array.from(html.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/gi), (m) => [m[0], m[1], m[2]])) {
    const src = /\bsrc="([^"]+)"/.exec(attrs)?.[1]
    if (!src) failures.push(`${page}: inline script ${tag.slice(0, 80)}`)
    else if (!src.startsWith('/assets/')) failures.push(`${page}: script outside /assets: ${src}`)
    if (body.trim()) failures.push(`${page}: script with a body`)
  }
  for (const [, href] of html.matchAll(/<link\b[^>]*\bhref="([^"]+)"/gi)) {
    if (!href.startsWith('/assets/')) failures.push(`${page}: link outside /assets: ${href}`)
  }
  if (/\son[a-z]+\s*=/i.test(html)) failures.push(`${page}: inline event handler attribute`)
  if (/<style\b/i.test(html)) failures.push(`${page}: inline <style>`)
}

const assets = join(dist, 'assets')
for (const name of existsSync(assets) ? readdirSync(assets) : []) {
  if (!name.endsWith('.js')) continue
  const js = readFileSync(join(assets, name), 'utf8')
  if (/\bnew Function\s*\(/.test(js) || /(^|[^.\w$])eval\s*\(/.test(js)) failures.push(`assets/${name}: uses eval/new Function`)
  if (/https?:\/\/(cdn|unpkg|esm\.sh|jsdelivr)/i.test(js)) failures.push(`assets/${name}: references a CDN`)
}

if (failures.length) {
  console.error(failures.join('\n'))
  process.exit(1)
}
console.log('dist OK: index.html and graphiql.html load only /assets/* scripts; no inline scripts, no eval')
