/**
 * The docs page through the DOM: the tree, a rendered document (raw HTML escaped), the search
 * (`?q=`, hits linking to their line), and live refetches on DOC changes.
 */
import { afterEach, describe, expect, it } from 'vitest'
import { fireEvent, screen, waitFor, within } from '@testing-library/vue'
import { FakeWebSocket, answers } from '@/test-support/fake-api'
import { renderSignedIn, subscribed, tearDownPage, type RenderedApp } from '@/test-support/render-app'

const file = (path: string, title: string) => ({ name: path.split('/').pop(), path, title, problem: null, size: 10, modifiedAt: '2030-01-01T00:00:00Z' })
const TREE = {
  docs: {
    name: '',
    path: '',
    files: [file('README.md', 'Welcome')],
    folders: [{ name: 'runbooks', path: 'runbooks', files: [file('runbooks/gateway-restart.md', 'Gateway restart')], folders: [] }],
  },
}

let app: RenderedApp | undefined

afterEach(() => {
  tearDownPage(app)
  app = undefined
})

function handlers() {
  return {
    DocsTree: () => answers.data(TREE),
    Doc: (call: { variables?: Record<string, unknown> }) =>
      answers.data({
        doc: {
          path: call.variables?.path,
          title: 'Gateway restart',
          content: '# Gateway restart\n\n<script>alert(1)</script>\n\n1. Stop it\n\nSee [the welcome](../README.md).',
          size: 10,
          modifiedAt: '2030-01-01T00:00:00Z',
        },
      }),
  }
}

describe('the docs page', () => {
  it('shows the tree and opens a document, rendering Markdown with raw HTML escaped', async () => {
    app = await renderSignedIn('/docs', handlers())
    const nav = await screen.findByRole('navigation', { name: 'Documents' })
    await fireEvent.click(await within(nav).findByRole('link', { name: 'Gateway restart' }))

    const article = screen.getByRole('article', { name: 'Document' })
    expect(await within(article).findByRole('heading', { name: 'Gateway restart', level: 1 })).toBeTruthy()
    expect(article.querySelector('script')).toBeNull()
    expect(article.textContent).toContain('<script>alert(1)</script>')
    expect(app.server.calls.find((c) => c.operation === 'Doc')?.variables).toEqual({ path: 'runbooks/gateway-restart.md' })
  })

  it('refetches the tree and the open document on DOC changes', async () => {
    app = await renderSignedIn('/docs/runbooks/gateway-restart.md', handlers())
    await screen.findByRole('heading', { name: 'Gateway restart', level: 1 })
    await subscribed('WorkspaceChanged')
    FakeWebSocket.emit('WorkspaceChanged', { workspaceChanged: { kind: 'DOC', agentId: null, path: 'runbooks/gateway-restart.md' } })
    await waitFor(() => {
      expect(app!.server.count('DocsTree')).toBe(2)
      expect(app!.server.count('Doc')).toBe(2)
    }, { timeout: 2000 })
  })

  it('follows a relative link to another document inside the app', async () => {
    app = await renderSignedIn('/docs/runbooks/gateway-restart.md', handlers())
    const link = await screen.findByRole('link', { name: 'the welcome' })
    await fireEvent.click(link)
    await waitFor(() => expect(app!.router.currentRoute.value.fullPath).toBe('/docs/README.md'))
    await waitFor(() => expect(app!.server.calls.filter((c) => c.operation === 'Doc').map((c) => c.variables?.path)).toEqual([
      'runbooks/gateway-restart.md',
      'README.md',
    ]))
  })
})

describe('the docs search', () => {
  const HITS = [
    { path: 'runbooks/gateway-restart.md', title: 'Gateway restart', line: 5, snippet: '1. Stop it' },
    { path: 'README.md', title: 'Welcome', line: 2, snippet: 'how to stop the gateway' },
  ]

  it('sends the query, keeps it in the URL and renders hits that link to their line', async () => {
    app = await renderSignedIn('/docs', { ...handlers(), DocSearch: () => answers.data({ docSearch: HITS }) })
    await fireEvent.update(await screen.findByLabelText('Text to find in the docs'), ' stop ')
    await fireEvent.click(screen.getByRole('button', { name: 'Search' }))

    const results = await screen.findByRole('list', { name: 'Doc search results' })
    const items = within(results).getAllByRole('listitem')
    expect(items).toHaveLength(2)
    expect(items[0]!.textContent).toContain('runbooks/gateway-restart.md:5')
    expect(items[0]!.textContent).toContain('1. Stop it')
    const link = within(items[0]!).getByRole('link', { name: 'Gateway restart' })
    expect(link.getAttribute('href')).toBe('/docs/runbooks/gateway-restart.md?q=stop&line=5')
    expect(app.router.currentRoute.value.fullPath).toBe('/docs?q=stop')
    expect(app.server.calls.find((c) => c.operation === 'DocSearch')?.variables).toEqual({ query: 'stop', first: 50 })

    await fireEvent.click(link)
    const article = screen.getByRole('article', { name: 'Document' })
    await within(article).findByRole('heading', { name: 'Gateway restart', level: 1 })
    await waitFor(() => expect(article.querySelector('.hit-line')?.textContent).toContain('Stop it'))
    // The results stay beside the document, the open hit marked.
    expect(within(screen.getByRole('list', { name: 'Doc search results' })).getByRole('link', { name: 'Gateway restart' }).getAttribute('aria-current')).toBe('true')
  })

  it('runs the search in the URL on arrival and says when no document matches', async () => {
    app = await renderSignedIn('/docs?q=kubernetes', { ...handlers(), DocSearch: () => answers.data({ docSearch: [] }) })
    expect(await screen.findByText('No document mentions “kubernetes”.')).toBeTruthy()
    expect(screen.getByLabelText<HTMLInputElement>('Text to find in the docs').value).toBe('kubernetes')
  })

  it('shows a failed search with a retry button', async () => {
    app = await renderSignedIn('/docs?q=x', { ...handlers(), DocSearch: () => answers.error('BAD_USER_INPUT', {}, 'The query is too long.') })
    const alert = await screen.findByRole('alert')
    expect(alert.textContent).toContain('The query is too long.')
    await fireEvent.click(within(alert).getByRole('button', { name: 'Retry' }))
    await waitFor(() => expect(app!.server.count('DocSearch')).toBe(2))
  })

  it('searches again on DOC changes and clears the search', async () => {
    app = await renderSignedIn('/docs?q=stop', { ...handlers(), DocSearch: () => answers.data({ docSearch: HITS }) })
    await screen.findByRole('list', { name: 'Doc search results' })
    await subscribed('WorkspaceChanged')
    FakeWebSocket.emit('WorkspaceChanged', { workspaceChanged: { kind: 'DOC', agentId: null, path: 'README.md' } })
    await waitFor(() => expect(app!.server.count('DocSearch')).toBe(2), { timeout: 2000 })

    await fireEvent.click(screen.getByRole('button', { name: 'Clear' }))
    await waitFor(() => expect(screen.queryByRole('list', { name: 'Doc search results' })).toBeNull())
    expect(app.router.currentRoute.value.fullPath).toBe('/docs')
  })
})
