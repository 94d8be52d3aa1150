/**
 * The incidents pages through the DOM: badges, malformed reports with their parseError, the
 * timeline, and live refetches on INCIDENT changes.
 */
import { afterEach, describe, expect, it, vi } from 'vitest'
import { cleanup, screen, waitFor, within } from '@testing-library/vue'
import { FakeWebSocket, answers } from '@/test-support/fake-api'
import { renderSignedIn, subscribed, type RenderedApp } from '@/test-support/render-app'

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
  cleanup()
  app?.api.resetSubscriptionClient()
  app = undefined
  vi.unstubAllGlobals()
  FakeWebSocket.reset()
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
