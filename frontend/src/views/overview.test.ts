/**
 * The overview page through the DOM: queues from the dashboard query, approving and rejecting,
 * conflicts, and live refetches on dashboardChanged.
 */
import { afterEach, describe, expect, it, vi } from 'vitest'
import { fireEvent, screen, waitFor, within } from '@testing-library/vue'
import { FakeWebSocket, answers, outage, type Handler, type PageOptions } from '@/test-support/fake-api'
import { expectRetryAfterOutage, renderSignedIn, subscribed, tearDownPage, type RenderedApp } from '@/test-support/render-app'

function task(id: string, title: string, state: string, extra: Record<string, unknown> = {}) {
  return {
    id,
    title,
    state,
    priority: 'HIGH',
    priorityLabel: 'P1',
    version: 7,
    assigneeId: 'iris',
    stateChangedAt: '2030-01-01T10:00:00Z',
    blockedFrom: null,
    project: { id: 'p1', name: 'Apollo', slug: 'apollo' },
    ...extra,
  }
}

function dashboard(overrides: Record<string, unknown> = {}) {
  return {
    dashboard: {
      generatedAt: '2030-01-01T12:00:00Z',
      tasksByState: [
        { state: 'READY', count: 3 },
        { state: 'REVIEW', count: 1 },
      ],
      needsApproval: { totalCount: 1, nodes: [task('t1', 'Write launch notes', 'REVIEW')] },
      inProgress: [{ agentId: 'iris', totalCount: 1, nodes: [task('t2', 'Refactor gateway', 'IN_PROGRESS')] }],
      ready: { totalCount: 3, nodes: [task('t3', 'Plan sprint', 'READY')] },
      blocked: { totalCount: 1, nodes: [task('t4', 'Wait for keys', 'BLOCKED', { blockedFrom: 'READY' })] },
      recentlyDone: { totalCount: 1, nodes: [task('t5', 'Ship v1', 'DONE')] },
      openIncidents: {
        source: 'LIVE',
        message: null,
        totalCount: 1,
        nodes: [{ id: 'inc-1', title: 'Gateway down', severity: 'SEV1', status: 'OPEN', startedAt: null }],
        unreadable: 0,
      },
      ...overrides,
    },
  }
}

let app: RenderedApp | undefined

const ENTRY = {
  id: 'a1',
  kind: 'TASK_TRANSITIONED',
  summary: 'Approved “Ship v1”',
  detail: 'looks good',
  createdAt: '2030-01-01T11:00:00Z',
  fromState: 'REVIEW',
  toState: 'DONE',
  elapsedSeconds: 600,
  taskId: 't5',
  actor: { kind: 'USER', id: 'u1', name: 'Owner' },
  project: { name: 'Apollo', slug: 'apollo' },
}

const activityPage = (nodes: unknown[], opts: PageOptions = {}) => answers.connection('activity', nodes, opts)

async function renderOverview(handlers: Record<string, Handler> = {}) {
  app = await renderSignedIn('/', {
    Dashboard: () => answers.data(dashboard()),
    RecentActivity: () => activityPage([ENTRY]),
    ...handlers,
  })
  await screen.findByRole('heading', { name: 'Overview' })
  return app
}

afterEach(() => {
  vi.useRealTimers()
  tearDownPage(app)
  app = undefined
})

describe('the overview', () => {
  it('renders the queues, counts and open incidents from the dashboard response', async () => {
    await renderOverview()

    const approval = await screen.findByRole('list', { name: 'Needs approval' })
    expect(within(approval).getByText('Write launch notes')).toBeTruthy()
    expect(within(screen.getByRole('list', { name: 'In progress: iris' })).getByText('Refactor gateway')).toBeTruthy()
    expect(within(screen.getByRole('list', { name: 'Ready' })).getByText('Plan sprint')).toBeTruthy()
    expect(within(screen.getByRole('list', { name: 'Blocked' })).getByText('Wait for keys')).toBeTruthy()
    expect(within(screen.getByRole('list', { name: 'Recently done' })).getByText('Ship v1')).toBeTruthy()
    expect(within(screen.getByRole('list', { name: 'Open incidents' })).getByRole('link', { name: 'Gateway down' })).toBeTruthy()
    expect(screen.getByRole('heading', { name: 'Ready (3)' })).toBeTruthy()
    expect(screen.getByRole('heading', { name: 'Server status' })).toBeTruthy()
    expect(screen.queryByText(/cannot be read/)).toBeNull()
  })

  it('says it is live once the socket is connected, before any change arrives', async () => {
    await renderOverview()
    await subscribed('DashboardChanged')
    expect(await screen.findByText('● live')).toBeTruthy()
  })

  it('says how many incident reports cannot be read and links to them', async () => {
    await renderOverview({
      Dashboard: () =>
        answers.data(dashboard({ openIncidents: { source: 'LIVE', message: null, totalCount: 0, nodes: [], unreadable: 2 } })),
    })
    const link = await screen.findByRole('link', { name: '2 reports cannot be read' })
    expect(link.getAttribute('href')).toBe('/incidents')
    expect(screen.getByText('No open incidents.')).toBeTruthy()
  })

  it('says in the browser tab how many tasks wait for approval', async () => {
    await renderOverview()
    await screen.findByRole('list', { name: 'Needs approval' })
    expect(document.title).toBe('(1) Overview · Nexus')
  })

  it('links a queue with more tasks than shown to the whole list on the tasks page', async () => {
    await renderOverview()
    await screen.findByRole('list', { name: 'Ready' })
    expect(screen.getByRole('link', { name: 'All 3 ready tasks →' }).getAttribute('href')).toBe('/tasks?state=READY')
    // Queues shown whole get no such link.
    expect(screen.queryByRole('link', { name: /tasks in review/ })).toBeNull()
    expect(screen.queryByRole('link', { name: /blocked tasks/ })).toBeNull()
  })

  it('shows what happened across projects, newest first, with each entry’s project and task', async () => {
    await renderOverview()
    const feed = await screen.findByRole('list', { name: 'Recent activity' })
    const entry = within(feed).getAllByRole('listitem')[0]!
    expect(within(entry).getByRole('link', { name: 'Approved “Ship v1”' }).getAttribute('href')).toBe('/tasks/t5')
    expect(within(entry).getByRole('link', { name: 'Apollo' }).getAttribute('href')).toBe('/projects/apollo')
    expect(entry.textContent).toContain('after 10m 0s in Review')
    expect(app!.server.calls.find((c) => c.operation === 'RecentActivity')?.variables).toEqual({ first: 10 })
  })

  it('refetches the recent activity when any project’s activity is added', async () => {
    await renderOverview()
    await screen.findByRole('list', { name: 'Recent activity' })
    await subscribed('ActivityAdded')
    const count = () => app!.server.calls.filter((c) => c.operation === 'RecentActivity').length
    expect(count()).toBe(1)
    FakeWebSocket.emit('ActivityAdded', { activityAdded: { id: 'a2', kind: 'TASK_CREATED', projectId: 'p9', taskId: 't9' } })
    await waitFor(() => expect(count()).toBe(2), { timeout: 2000 })
  })

  it('links task titles to their task page and project names to their project', async () => {
    await renderOverview()
    const approval = await screen.findByRole('list', { name: 'Needs approval' })
    expect(within(approval).getByRole('link', { name: 'Write launch notes' }).getAttribute('href')).toBe('/tasks/t1')
    expect(within(approval).getByRole('link', { name: 'Apollo' }).getAttribute('href')).toBe('/projects/apollo')
  })

  it('shows empty queues as such', async () => {
    const empty = { totalCount: 0, nodes: [] }
    await renderOverview({
      Dashboard: () =>
        answers.data(
          dashboard({
            tasksByState: [],
            needsApproval: empty,
            inProgress: [],
            ready: empty,
            blocked: empty,
            recentlyDone: empty,
            openIncidents: { source: 'NOT_CONNECTED', message: null, totalCount: 0, nodes: [], unreadable: 0 },
          }),
        ),
    })
    expect(await screen.findByText('Nothing waits for approval.')).toBeTruthy()
    expect(screen.getByText('No incident source is connected.')).toBeTruthy()
  })

  it('shows an error with a retry button when the dashboard cannot be loaded', async () => {
    const down = outage(() => answers.data(dashboard()))
    await renderOverview({ Dashboard: down.handler })
    await expectRetryAfterOutage(down, () => screen.findByRole('list', { name: 'Needs approval' }))
  })

  it('approves with the task id and the version it saw', async () => {
    const { server } = await renderOverview({
      ApproveTask: () => answers.data({ approveTask: { task: { id: 't1', state: 'DONE', version: 8 } } }),
    })
    await fireEvent.click(await screen.findByRole('button', { name: 'Approve Write launch notes' }))

    await screen.findByText(/Approved: Write launch notes/)
    expect(server.calls.find((c) => c.operation === 'ApproveTask')?.variables).toEqual({
      input: { taskId: 't1', expectedVersion: 7 },
    })
    expect(server.count('Dashboard')).toBe(2)
  })

  it('rejects with a reason the user typed', async () => {
    const { server } = await renderOverview({
      RejectTask: () => answers.data({ rejectTask: { task: { id: 't1', state: 'IN_PROGRESS', version: 8 } } }),
    })
    await fireEvent.click(await screen.findByRole('button', { name: 'Reject Write launch notes' }))
    expect(document.activeElement).toBe(screen.getByLabelText('Reason for rejecting'))
    const send = screen.getByRole('button', { name: 'Send back' }) as HTMLButtonElement
    expect(send.disabled).toBe(true)
    await fireEvent.update(screen.getByLabelText('Reason for rejecting'), 'Needs sources')
    await fireEvent.click(send)

    await screen.findByText(/Sent back: Write launch notes/)
    expect(server.calls.find((c) => c.operation === 'RejectTask')?.variables).toEqual({
      input: { taskId: 't1', expectedVersion: 7, reason: 'Needs sources' },
    })
  })

  it('says the task changed meanwhile and reloads when approving meets a CONFLICT', async () => {
    let version = 7
    const { server } = await renderOverview({
      Dashboard: () =>
        answers.data(dashboard({ needsApproval: { totalCount: 1, nodes: [task('t1', 'Write launch notes', 'REVIEW', { version })] } })),
      ApproveTask: (call) => {
        if ((call.variables?.input as { expectedVersion: number }).expectedVersion === 9) {
          return answers.data({ approveTask: { task: { id: 't1', state: 'DONE', version: 10 } } })
        }
        version = 9 // someone else changed it
        return answers.error('CONFLICT', {}, 'stale version')
      },
    })
    await fireEvent.click(await screen.findByRole('button', { name: 'Approve Write launch notes' }))

    expect(await screen.findByText(/changed meanwhile — reloaded/)).toBeTruthy()
    expect(server.count('Dashboard')).toBe(2)

    // The next attempt sends the version the reload brought.
    const approve = screen.getByRole('button', { name: 'Approve Write launch notes' }) as HTMLButtonElement
    await waitFor(() => expect(approve.disabled).toBe(false))
    await fireEvent.click(approve)
    await waitFor(() => expect(server.count('ApproveTask')).toBe(2))
    expect(server.calls.filter((c) => c.operation === 'ApproveTask')[1]?.variables).toEqual({
      input: { taskId: 't1', expectedVersion: 9 },
    })
    expect(await screen.findByText(/Approved: Write launch notes/)).toBeTruthy()
  })

  it('refetches once after a burst of dashboardChanged events', async () => {
    const { server } = await renderOverview()
    await screen.findByRole('list', { name: 'Needs approval' })
    await subscribed('DashboardChanged')
    expect(server.count('Dashboard')).toBe(1)

    for (let i = 1; i <= 3; i++) FakeWebSocket.emit('DashboardChanged', { dashboardChanged: { at: '2030-01-01T12:00:01Z', changes: i } })

    await waitFor(() => expect(server.count('Dashboard')).toBe(2), { timeout: 2000 })
    await new Promise((r) => setTimeout(r, 400))
    expect(server.count('Dashboard')).toBe(2)
  })
})
