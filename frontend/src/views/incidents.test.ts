/**
 * The incidents pages through the DOM: badges, malformed reports with their parseError, the
 * timeline, status/severity filters in the URL, "Load more" paging, and live refetches on
 * INCIDENT changes.
 */
import { afterEach, describe, expect, it } from 'vitest'
import { fireEvent, screen, waitFor, within } from '@testing-library/vue'
import { FakeWebSocket, answers, type GraphQLCall } from '@/test-support/fake-api'
import { renderSignedIn, subscribed, tearDownPage, type RenderedApp } from '@/test-support/render-app'

const base = {
  fileName: 'x.md',
  startedAt: '2030-01-01T10:00:00Z',
  resolvedAt: null,
  owner: 'iris',
  services: ['gateway'],
  summary: 'Gateway returns 502',
  parseError: null,
  modifiedAt: '2030-01-01T10:00:00Z',
}
const OPEN = { ...base, id: 'gw-down', title: 'Gateway down', severity: 'SEV1', status: 'OPEN' }
const BROKEN = {
  ...base,
  id: 'broken',
  fileName: 'broken.md',
  title: 'broken',
  severity: null,
  status: null,
  summary: null,
  services: [],
  parseError: 'line 3: unknown severity "SEV9"',
}
const RESOLVED = { ...base, id: 'old', title: 'Disk full', severity: 'SEV3', status: 'RESOLVED' }

let app: RenderedApp | undefined

afterEach(() => {
  tearDownPage(app)
  app = undefined
})

const list = () =>
  answers.data({ incidents: { totalCount: 3, nodes: [OPEN, BROKEN, RESOLVED], pageInfo: { hasNextPage: false, endCursor: null } } })

describe('the incidents pages', () => {
  it('lists incidents in server order with severity and status badges', async () => {
    app = await renderSignedIn('/incidents', { Incidents: list })
    const items = within(await screen.findByRole('list', { name: 'Incidents' })).getAllByRole('listitem')
    expect(items.map((li) => within(li).getByRole('link').textContent)).toEqual(['Gateway down', 'broken', 'Disk full'])
    expect(within(items[0]!).getByText('SEV1')).toBeTruthy()
    expect(within(items[0]!).getByText('open')).toBeTruthy()
    expect(within(items[2]!).getByText('resolved')).toBeTruthy()
  })

  it('shows a malformed report with its parseError', async () => {
    app = await renderSignedIn('/incidents', { Incidents: list })
    const items = within(await screen.findByRole('list', { name: 'Incidents' })).getAllByRole('listitem')
    expect(within(items[1]!).getByText('malformed')).toBeTruthy()
    expect(items[1]!.textContent).toContain('line 3: unknown severity "SEV9"')
  })

  it('shows an incident’s timeline', async () => {
    app = await renderSignedIn('/incidents/gw-down', {
      Incident: (call) =>
        answers.data({
          incident: {
            ...OPEN,
            id: call.variables?.id,
            timeline: [
              { at: '2030-01-01T10:00:00Z', text: 'Alert fired' },
              { at: '2030-01-01T10:05:00Z', text: 'Rolled back' },
            ],
          },
        }),
    })
    const timeline = await screen.findByRole('list', { name: 'Timeline' })
    expect(within(timeline).getAllByRole('listitem').map((li) => li.textContent)).toEqual([
      expect.stringContaining('Alert fired'),
      expect.stringContaining('Rolled back'),
    ])
    expect(screen.getByRole('heading', { name: 'Gateway down', level: 1 })).toBeTruthy()
  })

  it('refetches the list on INCIDENT changes only', async () => {
    app = await renderSignedIn('/incidents', { Incidents: list })
    await screen.findByRole('list', { name: 'Incidents' })
    await subscribed('WorkspaceChanged')
    FakeWebSocket.emit('WorkspaceChanged', { workspaceChanged: { kind: 'DOC', agentId: null, path: 'a.md' } })
    await new Promise((r) => setTimeout(r, 450))
    expect(app.server.count('Incidents')).toBe(1)
    FakeWebSocket.emit('WorkspaceChanged', { workspaceChanged: { kind: 'INCIDENT', agentId: null, path: 'gw-down.md' } })
    await waitFor(() => expect(app!.server.count('Incidents')).toBe(2), { timeout: 2000 })
  })

  it('refetches and listens again when the server says changes were missed', async () => {
    app = await renderSignedIn('/incidents', { Incidents: list })
    await screen.findByRole('list', { name: 'Incidents' })
    await subscribed('WorkspaceChanged')
    expect(FakeWebSocket.endWithMissedEvents('WorkspaceChanged')).toBe(1)
    await waitFor(() => expect(app!.server.count('Incidents')).toBe(2), { timeout: 2000 })
    await subscribed('WorkspaceChanged')
    FakeWebSocket.emit('WorkspaceChanged', { workspaceChanged: { kind: 'INCIDENT', agentId: null, path: 'gw-down.md' } })
    await waitFor(() => expect(app!.server.count('Incidents')).toBe(3), { timeout: 2000 })
  })
})

describe('an unknown incident', () => {
  it('says there is no such incident when the server answers null', async () => {
    app = await renderSignedIn('/incidents/nope', { Incident: () => answers.data({ incident: null }) })
    expect(await screen.findByText('No such incident.')).toBeTruthy()
  })

  it('shows the server error with a retry button when it answers NOT_FOUND', async () => {
    app = await renderSignedIn('/incidents/nope', { Incident: () => answers.error('NOT_FOUND', {}, 'no incident nope') })
    const alert = await screen.findByRole('alert')
    expect(alert.textContent).toContain('no incident nope')
    expect(within(alert).getByRole('button', { name: 'Retry' })).toBeTruthy()
  })
})

describe('the incident filters', () => {
  const variablesOf = (calls: GraphQLCall[]) => calls.filter((c) => c.operation === 'Incidents').map((c) => c.variables)

  it('send the status and severity variables and keep them in the URL', async () => {
    app = await renderSignedIn('/incidents', { Incidents: list })
    await screen.findByRole('list', { name: 'Incidents' })

    await fireEvent.update(screen.getByRole('combobox', { name: 'Status' }), 'OPEN')
    await waitFor(() => expect(app!.router.currentRoute.value.fullPath).toBe('/incidents?status=OPEN'))
    await waitFor(() => expect(variablesOf(app!.server.calls).at(-1)).toEqual({ first: 20, status: 'OPEN' }))

    await fireEvent.update(screen.getByRole('combobox', { name: 'Severity' }), 'SEV1')
    await waitFor(() => expect(app!.router.currentRoute.value.query).toEqual({ status: 'OPEN', severity: 'SEV1' }))
    await waitFor(() => expect(variablesOf(app!.server.calls).at(-1)).toEqual({ first: 20, status: 'OPEN', severity: 'SEV1' }))
    expect(variablesOf(app.server.calls)[0]).toEqual({ first: 20 }) // unfiltered at first

    await fireEvent.click(screen.getByRole('button', { name: 'Clear filters' }))
    await waitFor(() => expect(app!.router.currentRoute.value.fullPath).toBe('/incidents'))
    await waitFor(() => expect(variablesOf(app!.server.calls).at(-1)).toEqual({ first: 20 }))
  })

  it('are read from the URL on arrival, ignoring values that are no filter', async () => {
    app = await renderSignedIn('/incidents?severity=SEV3&status=BOGUS', { Incidents: list })
    await screen.findByRole('list', { name: 'Incidents' })
    expect(variablesOf(app.server.calls)).toEqual([{ first: 20, severity: 'SEV3' }])
    expect(screen.getByRole<HTMLSelectElement>('combobox', { name: 'Severity' }).value).toBe('SEV3')
    expect(screen.getByRole<HTMLSelectElement>('combobox', { name: 'Status' }).value).toBe('')
  })

  it('say so when no incidents match', async () => {
    app = await renderSignedIn('/incidents?status=MITIGATED', {
      Incidents: () => answers.data({ incidents: { totalCount: 0, nodes: [], pageInfo: { hasNextPage: false, endCursor: null } } }),
    })
    expect(await screen.findByText('No incidents match these filters.')).toBeTruthy()
  })
})

describe('paging the incidents', () => {
  const MANY = Array.from({ length: 25 }, (_, i) => ({ ...OPEN, id: `inc-${i}`, title: `Incident ${i}` }))
  /** Pages through MANY like the server: `first` from the offset `after` names. */
  const paged = (call: GraphQLCall) => {
    const offset = Number(call.variables?.after ?? 0)
    const nodes = MANY.slice(offset, offset + Number(call.variables?.first))
    const end = offset + nodes.length
    return answers.data({ incidents: { totalCount: MANY.length, nodes, pageInfo: { hasNextPage: end < MANY.length, endCursor: String(end) } } })
  }
  const shown = () => within(screen.getByRole('list', { name: 'Incidents' })).getAllByRole('listitem')

  it('“Load more” sends the last page’s endCursor as after and appends the next page', async () => {
    app = await renderSignedIn('/incidents?status=OPEN', { Incidents: paged })
    await screen.findByRole('list', { name: 'Incidents' })
    expect(shown()).toHaveLength(20)
    expect(screen.getByText('Showing 20 of 25.')).toBeTruthy()

    await fireEvent.click(screen.getByRole('button', { name: 'Load more' }))
    await waitFor(() => expect(shown()).toHaveLength(25))
    expect(app.server.calls.filter((c) => c.operation === 'Incidents').map((c) => c.variables)).toEqual([
      { first: 20, status: 'OPEN' },
      { first: 20, after: '20', status: 'OPEN' },
    ])
    expect(shown().at(-1)!.textContent).toContain('Incident 24')
    expect(screen.queryByRole('button', { name: 'Load more' })).toBeNull()
  })

  it('keeps the loaded pages on a live refetch', async () => {
    app = await renderSignedIn('/incidents', { Incidents: paged })
    await fireEvent.click(await screen.findByRole('button', { name: 'Load more' }))
    await waitFor(() => expect(shown()).toHaveLength(25))
    await subscribed('WorkspaceChanged')
    FakeWebSocket.emit('WorkspaceChanged', { workspaceChanged: { kind: 'INCIDENT', agentId: null, path: 'inc-3.md' } })
    await waitFor(() => expect(app!.server.count('Incidents')).toBe(3), { timeout: 2000 })
    expect(app.server.calls.filter((c) => c.operation === 'Incidents').at(-1)?.variables).toEqual({ first: 40 })
    expect(shown()).toHaveLength(25)
  })

  it('reports a failed “Load more” and keeps the list', async () => {
    app = await renderSignedIn('/incidents', {
      Incidents: (call) => (call.variables?.after ? answers.error('UNAVAILABLE', {}, 'Try later.') : paged(call)),
    })
    await fireEvent.click(await screen.findByRole('button', { name: 'Load more' }))
    expect((await screen.findByRole('alert')).textContent).toContain('Could not load more incidents: Try later.')
    expect(shown()).toHaveLength(20)
    expect(screen.getByRole('button', { name: 'Load more' })).toBeTruthy()
  })
})
