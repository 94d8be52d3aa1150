/**
 * The operations page through the DOM: the flow figures, throughput per day, work in progress per
 * agent with links to the tasks page, incidents by severity, the window in the URL, and the live
 * refetch on dashboardChanged.
 */
import { afterEach, describe, expect, it } from 'vitest'
import { fireEvent, screen, waitFor, within } from '@testing-library/vue'
import { FakeWebSocket, answers, outage, type Handler } from '@/test-support/fake-api'
import { expectRetryAfterOutage, renderSignedIn, subscribed, tearDownPage, type RenderedApp } from '@/test-support/render-app'
import { TASK_STATES } from '@/lib/labels'

const DAYS = Array.from({ length: 14 }, (_, i) => ({ day: `2030-01-${String(i + 1).padStart(2, '0')}`, done: i === 13 ? 4 : i % 3 }))

function operations(extra: Record<string, unknown> = {}) {
  return {
    generatedAt: '2030-01-14T12:00:00Z',
    windowDays: 30,
    approvals: 9,
    rejections: 3,
    rejectionRate: 0.25,
    medianCycleTimeSeconds: 86400 * 2 + 3600 * 5,
    medianApprovalWaitSeconds: 3600 + 60 * 20,
    tasksByState: TASK_STATES.map((state, i) => ({ state, count: i + 1 })),
    throughput: DAYS,
    workInProgress: [
      { agentId: 'ops', inProgress: 2, review: 1 },
      { agentId: null, inProgress: 1, review: 0 },
    ],
    incidents: {
      open: 2,
      mitigated: 1,
      resolved: 5,
      unparsed: 1,
      meanTimeToResolveSeconds: 5400,
      openBySeverity: [
        { severity: 'SEV1', count: 1 },
        { severity: 'SEV2', count: 2 },
        { severity: 'SEV3', count: 0 },
        { severity: 'SEV4', count: 0 },
      ],
    },
    ...extra,
  }
}

let app: RenderedApp | undefined

async function renderOperations(handlers: Record<string, Handler> = {}, path = '/operations') {
  app = await renderSignedIn(path, {
    Operations: (call) => answers.data({ operations: operations({ windowDays: call.variables?.days ?? 30 }) }),
    ...handlers,
  })
  await screen.findByRole('heading', { name: 'Operations', level: 1 })
  return app
}

const calls = () => app!.server.calls.filter((c) => c.operation === 'Operations')
const figure = (name: string) => screen.getByText(name, { selector: 'dt' }).closest('div') as HTMLElement

afterEach(() => {
  tearDownPage(app)
  app = undefined
})

describe('the operations page', () => {
  it('shows the flow figures of the window', async () => {
    await renderOperations()
    expect(await screen.findByRole('heading', { name: 'Flow — last 30 days' })).toBeTruthy()
    expect(within(figure('Median cycle time')).getByText('2d 5h')).toBeTruthy()
    expect(within(figure('Median wait for approval')).getByText('1h 20m')).toBeTruthy()
    expect(within(figure('Decisions')).getByText('12')).toBeTruthy()
    expect(within(figure('Decisions')).getByText('9 approved · 3 sent back')).toBeTruthy()
    expect(within(figure('Rejection rate')).getByText('25 %')).toBeTruthy()
    expect(calls()[0]?.variables).toEqual({ days: 30 })
  })

  it('says — where there is no data yet', async () => {
    await renderOperations({
      Operations: () =>
        answers.data({
          operations: operations({ approvals: 0, rejections: 0, rejectionRate: null, medianCycleTimeSeconds: null, medianApprovalWaitSeconds: null }),
        }),
    })
    await screen.findByRole('heading', { name: 'Flow — last 30 days' })
    expect(within(figure('Median cycle time')).getByText('—')).toBeTruthy()
    expect(within(figure('Rejection rate')).getByText('no decisions yet')).toBeTruthy()
  })

  it('draws the throughput per day, each bar named for screen readers', async () => {
    await renderOperations()
    const days = within(await screen.findByRole('list', { name: 'Tasks approved per day' })).getAllByRole('listitem')
    expect(days).toHaveLength(14)
    expect(days[13]!.textContent).toContain('4 done')
    expect(days[13]!.querySelector('.bar-label [aria-hidden]')?.textContent).toBe('14') // day of month, any locale
    expect((days[13]!.querySelector('.bar') as HTMLElement).style.height).toBe('100%')
    expect((days[1]!.querySelector('.bar') as HTMLElement).style.height).toBe('25%')
    expect(screen.getByText(/last 14 days: 16 in all/)).toBeTruthy()
  })

  it('lists work in progress per agent, linking to their open tasks', async () => {
    await renderOperations()
    const table = await screen.findByRole('table')
    expect(within(table).getByRole('link', { name: 'ops' }).getAttribute('href')).toBe('/tasks?assignee=ops&state=open')
    expect(within(table).getByRole('link', { name: 'unassigned' }).getAttribute('href')).toBe('/tasks?unassigned=1&state=open')
    const ops = within(table).getByRole('link', { name: 'ops' }).closest('tr')!
    expect([...ops.querySelectorAll('td')].map((td) => td.textContent)).toEqual(['2', '1'])
  })

  it('counts incidents by severity and points to reports that do not parse', async () => {
    await renderOperations()
    const severities = within(await screen.findByRole('list', { name: 'Unresolved incidents by severity' })).getAllByRole('listitem')
    expect(severities.map((s) => s.textContent?.replace(/\s+/g, ' ').trim())).toEqual(['SEV1 1', 'SEV2 2', 'SEV3 0', 'SEV4 0'])
    expect(within(severities[0]!).getByRole('link').getAttribute('href')).toBe('/incidents?severity=SEV1')
    expect(within(figure('Mean time to resolve')).getByText('1h 30m')).toBeTruthy()
    expect(within(figure('Unresolved')).getByText('3')).toBeTruthy()
    expect(screen.getByRole('note').textContent).toContain('1 report does not parse')
  })

  it('keeps the window in the URL and asks for it', async () => {
    const { router } = await renderOperations({}, '/operations?days=7')
    await screen.findByRole('heading', { name: 'Flow — last 7 days' })
    expect(calls()[0]?.variables).toEqual({ days: 7 })
    await fireEvent.update(screen.getByLabelText('Window'), '90')
    await waitFor(() => expect(calls().at(-1)?.variables).toEqual({ days: 90 }))
    expect(router.currentRoute.value.query).toEqual({ days: '90' })
    await fireEvent.update(screen.getByLabelText('Window'), '30')
    await waitFor(() => expect(router.currentRoute.value.query).toEqual({}))
  })

  it('shows an error with a retry button when the figures cannot be loaded', async () => {
    const down = outage(() => answers.data({ operations: operations() }))
    await renderOperations({ Operations: down.handler })
    await expectRetryAfterOutage(down, () => screen.findByRole('heading', { name: 'Flow — last 30 days' }))
  })

  it('refetches after a dashboardChanged event', async () => {
    await renderOperations()
    await screen.findByRole('heading', { name: 'Flow — last 30 days' })
    await subscribed('DashboardChanged')
    expect(calls()).toHaveLength(1)
    FakeWebSocket.emit('DashboardChanged', { dashboardChanged: { at: '2030-01-14T12:00:01Z', changes: 1 } })
    await waitFor(() => expect(calls()).toHaveLength(2), { timeout: 2000 })
  })
})
