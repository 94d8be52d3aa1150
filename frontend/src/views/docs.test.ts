/**
 * The docs page through the DOM: the tree, a rendered document (raw HTML escaped), and live
 * refetches on DOC changes.
 */
import { afterEach, describe, expect, it, vi } from 'vitest'
import { cleanup, fireEvent, screen, waitFor, within } from '@testing-library/vue'
import { FakeWebSocket, answers } from '@/test-support/fake-api'
import { renderSignedIn, subscribed, type RenderedApp } from '@/test-support/render-app'

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
  cleanup()
  app?.api.resetSubscriptionClient()
  app = undefined
  vi.unstubAllGlobals()
  FakeWebSocket.reset()
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
