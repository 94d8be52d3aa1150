/**
 * The tasks page (every project's tasks) through the DOM: the list with state and project, the
 * filter in the URL and in the query's variables, "Load more", the empty and error states, live
 * refetches on taskChanged, and the link from an agent's page.
 */
import { afterEach, describe, expect, it } from 'vitest'
import { fireEvent, screen, waitFor, within } from '@testing-library/vue'
import { FakeWebSocket, answers, outage, type Handler, type PageOptions } from '@/test-support/fake-api'
import { expectRetryAfterOutage, renderSignedIn, subscribed, tearDownPage, type RenderedApp } from '@/test-support/render-app'
import { taskFilterVariables } from '@/composables/useTasks'

function task(id: string, title: string, extra: Record<string, unknown> = {}) {
  return {
    id,
    title,
    state: 'READY',
    priority: 'MEDIUM',
    priorityLabel: 'P2',
    version: 1,
    assigneeId: 'ops',
    stateChangedAt: '2030-01-01T10:00:00Z',
    blockedFrom: null,
    dueDate: null,
    labels: [],
    project: { id: 'p1', name: 'Apollo', slug: 'apollo' },
    ...extra,
  }
}

const PATCH = task('t1', 'Patch the gateway', { state: 'IN_PROGRESS', priority: 'HIGH' })
const DOCS = task('t2', 'Write the runbook', { assigneeId: null, project: { id: 'p2', name: 'Hermes', slug: 'hermes' } })

const page = (nodes: unknown[], opts: PageOptions = {}) => answers.connection('tasks', nodes, opts)

let app: RenderedApp | undefined

async function renderTasks(handlers: Record<string, Handler> = {}, path = '/tasks') {
  app = await renderSignedIn(path, { TaskPage: () => page([PATCH, DOCS]), ...handlers })
  await screen.findByRole('heading', { name: 'Tasks', level: 1 })
  return app
}

const taskCalls = () => app!.server.calls.filter((c) => c.operation === 'TaskPage')

afterEach(() => {
  tearDownPage(app)
  app = undefined
})

describe('the task filter', () => {
  it('leaves blank fields out and lets "unassigned" win over an assignee', () => {
    const none = { search: ' ', state: null, assigneeId: '', unassigned: false, priority: null } as const
    expect(taskFilterVariables(none)).toEqual({})
    expect(taskFilterVariables({ ...none, state: 'open', assigneeId: ' ops ', priority: 'HIGH' })).toEqual({
      states: ['BACKLOG', 'READY', 'IN_PROGRESS', 'REVIEW', 'BLOCKED'],
      assigneeId: 'ops',
      priorities: ['HIGH'],
    })
    expect(taskFilterVariables({ ...none, state: 'DONE', assigneeId: 'ops', unassigned: true })).toEqual({
      states: ['DONE'],
      unassigned: true,
    })
  })
})

describe('the tasks page', () => {
  it('lists tasks of every project with their state and project', async () => {
    await renderTasks()
    const items = within(await screen.findByRole('list', { name: 'Tasks' })).getAllByRole('listitem')
    expect(items).toHaveLength(2)
    expect(within(items[0]!).getByRole('link', { name: 'Patch the gateway' }).getAttribute('href')).toBe('/tasks/t1')
    expect(within(items[0]!).getByText('In progress')).toBeTruthy()
    expect(within(items[1]!).getByRole('link', { name: 'Hermes' }).getAttribute('href')).toBe('/projects/hermes')
    expect(screen.getByText('2 tasks')).toBeTruthy()
    expect(taskCalls()[0]?.variables).toEqual({ first: 25, filter: {} })
  })

  it('is in the top bar and names itself in the browser tab', async () => {
    await renderTasks()
    expect(document.title).toBe('Tasks · Nexus')
    expect(within(screen.getByRole('navigation', { name: 'Main' })).getByRole('link', { name: 'Tasks' }).getAttribute('href')).toBe('/tasks')
  })

  it('reads the filter from the URL and sends it as the query’s variables', async () => {
    await renderTasks({}, '/tasks?q=gate&state=open&assignee=ops&priority=HIGH')
    await screen.findByRole('list', { name: 'Tasks' })
    expect(taskCalls()[0]?.variables).toEqual({
      first: 25,
      filter: { search: 'gate', states: ['BACKLOG', 'READY', 'IN_PROGRESS', 'REVIEW', 'BLOCKED'], assigneeId: 'ops', priorities: ['HIGH'] },
    })
    expect((screen.getByLabelText('Title or description') as HTMLInputElement).value).toBe('gate')
    expect((screen.getByLabelText('State') as HTMLSelectElement).value).toBe('open')
    expect((screen.getByLabelText('Assigned to') as HTMLInputElement).value).toBe('ops')
    expect((screen.getByLabelText('Priority') as HTMLSelectElement).value).toBe('HIGH')
  })

  it('puts a new state, priority and "unassigned" choice into the URL and refetches with them', async () => {
    const { router } = await renderTasks()
    await screen.findByRole('list', { name: 'Tasks' })
    await fireEvent.update(screen.getByLabelText('State'), 'REVIEW')
    await waitFor(() => expect(taskCalls().at(-1)?.variables).toEqual({ first: 25, filter: { states: ['REVIEW'] } }))
    await fireEvent.update(screen.getByLabelText('Priority'), 'CRITICAL')
    await fireEvent.click(screen.getByLabelText('Unassigned only'))
    await waitFor(() =>
      expect(taskCalls().at(-1)?.variables).toEqual({
        first: 25,
        filter: { states: ['REVIEW'], unassigned: true, priorities: ['CRITICAL'] },
      }),
    )
    expect(router.currentRoute.value.query).toEqual({ state: 'REVIEW', priority: 'CRITICAL', unassigned: '1' })
    expect((screen.getByLabelText('Assigned to') as HTMLInputElement).disabled).toBe(true)
  })

  it('suggests the team’s agent ids in the assignee box', async () => {
    await renderTasks()
    const box = screen.getByLabelText('Assigned to') as HTMLInputElement
    expect(box.getAttribute('list')).toBe('agent-ids')
    await waitFor(() => expect(document.querySelectorAll('datalist#agent-ids option')).toHaveLength(2))
    const options = [...document.querySelectorAll<HTMLOptionElement>('datalist#agent-ids option')].map((o) => `${o.value}=${o.textContent}`)
    expect(options).toEqual(['main=🌈 Iris', 'ops=Bolt'])
  })

  it('applies the search box on Enter', async () => {
    const { router } = await renderTasks()
    await screen.findByRole('list', { name: 'Tasks' })
    await fireEvent.update(screen.getByLabelText('Title or description'), ' runbook ')
    await fireEvent.submit(screen.getByRole('search', { name: 'Filter tasks' }))
    await waitFor(() => expect(taskCalls().at(-1)?.variables).toEqual({ first: 25, filter: { search: 'runbook' } }))
    expect(router.currentRoute.value.query).toEqual({ q: 'runbook' })
  })

  it('says so when no task matches the filter', async () => {
    await renderTasks({ TaskPage: () => page([]) }, '/tasks?q=nothing')
    expect(await screen.findByText('No tasks match the filter.')).toBeTruthy()
  })

  it('loads the next page after the last cursor with Load more', async () => {
    await renderTasks({
      TaskPage: (call) =>
        call.variables?.after === 'c1' ? page([DOCS], { totalCount: 2 }) : page([PATCH], { hasNextPage: true, endCursor: 'c1', totalCount: 2 }),
    })
    await screen.findByRole('list', { name: 'Tasks' })
    await fireEvent.click(screen.getByRole('button', { name: 'Load more tasks' }))
    await waitFor(() => expect(within(screen.getByRole('list', { name: 'Tasks' })).getAllByRole('listitem')).toHaveLength(2))
    expect(taskCalls().at(-1)?.variables).toEqual({ first: 25, after: 'c1', filter: {} })
  })

  it('shows an error with a retry button when the tasks cannot be loaded', async () => {
    const down = outage(() => page([PATCH]))
    await renderTasks({ TaskPage: down.handler })
    await expectRetryAfterOutage(down, () => screen.findByRole('link', { name: 'Patch the gateway' }))
  })

  it('refetches when any task changes, subscribed without a project', async () => {
    await renderTasks()
    await screen.findByRole('list', { name: 'Tasks' })
    await subscribed('TaskChanged')
    expect(taskCalls()).toHaveLength(1)
    FakeWebSocket.emit('TaskChanged', { taskChanged: { kind: 'UPDATED', projectId: 'p2', taskId: 't2' } })
    await waitFor(() => expect(taskCalls()).toHaveLength(2), { timeout: 2000 })
    expect(await screen.findByText('● live')).toBeTruthy()
  })
})
