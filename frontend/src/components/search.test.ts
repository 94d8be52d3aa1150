/**
 * The search palette through the DOM: opened from the top bar, Ctrl+K or "/", one request for
 * projects, tasks and docs after typing stops, hits that link where they belong, keyboard
 * movement, Esc, and the empty and error states.
 */
import { afterEach, describe, expect, it } from 'vitest'
import { fireEvent, screen, waitFor, within } from '@testing-library/vue'
import { answers, type Handler } from '@/test-support/fake-api'
import { renderSignedIn, tearDownPage, type RenderedApp } from '@/test-support/render-app'
import { searchHits } from '@/composables/useSearch'

const ANSWER = {
  projects: { nodes: [{ id: 'p1', slug: 'gateway-hardening', name: 'Gateway hardening', status: 'ACTIVE', archived: false }] },
  tasks: { nodes: [{ id: 't1', title: 'Rotate the gateway token', state: 'READY', project: { name: 'Gateway hardening' } }] },
  docSearch: [{ path: 'ops/gateway.md', title: 'Gateway runbook', line: 12, snippet: '  restart the gateway  ' }],
}

let app: RenderedApp | undefined

async function renderWithSearch(handlers: Record<string, Handler> = {}) {
  app = await renderSignedIn('/agents', {
    Agents: () => answers.data({ agents: [] }),
    GlobalSearch: () => answers.data(ANSWER),
    ...handlers,
  })
  await screen.findByRole('heading', { name: 'Agents', level: 1 })
  return app
}

const searches = () => app!.server.calls.filter((c) => c.operation === 'GlobalSearch')

afterEach(() => {
  tearDownPage(app)
  app = undefined
})

describe('search hits', () => {
  it('list projects, then tasks, then docs, each with where it opens', () => {
    expect(searchHits(ANSWER as never, 'gateway')).toEqual([
      { kind: 'project', key: 'project:p1', title: 'Gateway hardening', detail: 'gateway-hardening', to: '/projects/gateway-hardening' },
      { kind: 'task', key: 'task:t1', title: 'Rotate the gateway token', detail: 'Gateway hardening', to: '/tasks/t1' },
      {
        kind: 'doc',
        key: 'doc:ops/gateway.md:12',
        title: 'Gateway runbook',
        detail: 'ops/gateway.md:12 — restart the gateway',
        to: { path: '/docs/ops/gateway.md', query: { q: 'gateway', line: '12' } },
      },
    ])
  })
})

describe('the search palette', () => {
  it('opens from the top bar, searches once typing stops and links each hit', async () => {
    await renderWithSearch()
    await fireEvent.click(screen.getByRole('button', { name: 'Search (Ctrl+K)' }))
    const dialog = screen.getByRole('dialog', { name: 'Search' })
    const box = within(dialog).getByLabelText('Search projects, tasks and docs')
    expect(document.activeElement).toBe(box)

    await fireEvent.update(box, 'g')
    await fireEvent.update(box, 'gate')
    await fireEvent.update(box, ' gateway ')
    const results = await within(dialog).findByRole('list', { name: 'Search results' })
    expect(searches().map((c) => c.variables)).toEqual([{ q: 'gateway' }])
    const links = within(results).getAllByRole('link')
    expect(links.map((l) => l.getAttribute('href'))).toEqual([
      '/projects/gateway-hardening',
      '/tasks/t1',
      '/docs/ops/gateway.md?q=gateway&line=12',
    ])
  })

  it('opens with Ctrl+K and with "/" outside form fields, and moves through hits with the arrow keys', async () => {
    await renderWithSearch()
    await fireEvent.keyDown(document.body, { key: 'k', ctrlKey: true })
    const dialog = screen.getByRole('dialog', { name: 'Search' })
    const box = within(dialog).getByLabelText('Search projects, tasks and docs')
    await fireEvent.update(box, 'gateway')
    const links = within(await within(dialog).findByRole('list', { name: 'Search results' })).getAllByRole('link')
    await fireEvent.keyDown(box, { key: 'ArrowDown' })
    expect(document.activeElement).toBe(links[0])
    await fireEvent.keyDown(links[0]!, { key: 'ArrowDown' })
    expect(document.activeElement).toBe(links[1])
    await fireEvent.keyDown(links[1]!, { key: 'ArrowUp' })
    await fireEvent.keyDown(links[0]!, { key: 'ArrowUp' })
    expect(document.activeElement).toBe(box)

    await fireEvent.keyDown(box, { key: 'Escape' })
    expect(screen.queryByRole('dialog')).toBeNull()
    await fireEvent.keyDown(document.body, { key: '/' })
    expect(screen.getByRole('dialog', { name: 'Search' })).toBeTruthy()
  })

  it('leaves "/" to a form field being typed in', async () => {
    await renderWithSearch()
    const agentSearch = screen.getAllByRole('searchbox')[0]!
    await fireEvent.keyDown(agentSearch, { key: '/' })
    expect(screen.queryByRole('dialog')).toBeNull()
  })

  it('closes when a hit is followed', async () => {
    const { router } = await renderWithSearch({ Task: () => answers.data({ task: null }) })
    await fireEvent.click(screen.getByRole('button', { name: 'Search (Ctrl+K)' }))
    await fireEvent.update(screen.getByLabelText('Search projects, tasks and docs'), 'gateway')
    await fireEvent.click(await screen.findByRole('link', { name: /Rotate the gateway token/ }))
    await waitFor(() => expect(router.currentRoute.value.path).toBe('/tasks/t1'))
    expect(screen.queryByRole('dialog')).toBeNull()
  })

  it('says when nothing matches and shows a failed search', async () => {
    let fail = false
    await renderWithSearch({
      GlobalSearch: () =>
        fail ? answers.error('UNAVAILABLE', {}, 'database down') : answers.data({ projects: { nodes: [] }, tasks: { nodes: [] }, docSearch: [] }),
    })
    await fireEvent.click(screen.getByRole('button', { name: 'Search (Ctrl+K)' }))
    const box = screen.getByLabelText('Search projects, tasks and docs')
    await fireEvent.update(box, 'zebra')
    expect(await screen.findByText('Nothing matches “zebra”.')).toBeTruthy()
    fail = true
    await fireEvent.update(box, 'zebras')
    expect((await screen.findByRole('alert')).textContent).toContain('database down')
  })
})
