/**
 * One project's page through the DOM: the header, the board grouped by state, its filter,
 * creating a task (with the server's priority error), archiving with the version shown, the
 * activity feed, what viewers see, and live refetches on the project's events.
 */
import { afterEach, describe, expect, it } from 'vitest'
import { fireEvent, screen, waitFor, within } from '@testing-library/vue'
import { FakeWebSocket, answers, type Handler } from '@/test-support/fake-api'
import { renderSignedIn, subscribed, tearDownPage, type RenderedApp } from '@/test-support/render-app'
import { asViewer } from '@/test-support/sessions'
import { TASK_STATES } from '@/lib/labels'

const counts = (c: Record<string, number>) => TASK_STATES.map((state) => ({ state, count: c[state] ?? 0 }))

const PROJECT = {
  id: 'p1',
  slug: 'apollo',
  name: 'Apollo',
  status: 'ACTIVE',
  archived: false,
  archivedAt: null,
  leadAgentId: 'main',
  description: 'Land on **the moon**.',
  createdAt: '2030-01-01T00:00:00Z',
  updatedAt: '2030-01-02T00:00:00Z',
  version: 4,
  taskCounts: counts({ BACKLOG: 1, READY: 2, REVIEW: 1 }),
}

function task(id: string, title: string, state: string, extra: Record<string, unknown> = {}) {
  return {
    id,
    title,
    state,
    priority: 'HIGH',
    priorityLabel: 'P1',
    version: 3,
    assigneeId: 'main',
    stateChangedAt: '2030-01-01T10:00:00Z',
    blockedFrom: null,
    dueDate: null,
    labels: [],
    project: { id: 'p1', name: 'Apollo', slug: 'apollo' },
    ...extra,
  }
}

const column = (nodes: unknown[], opts: { hasNextPage?: boolean; endCursor?: string | null; totalCount?: number } = {}) => ({
  totalCount: opts.totalCount ?? nodes.length,
  pageInfo: { hasNextPage: opts.hasNextPage ?? false, endCursor: opts.endCursor ?? null },
  nodes,
})

function board(columns: Record<string, ReturnType<typeof column>> = {}) {
  return answers.data(Object.fromEntries(TASK_STATES.map((s) => [s, columns[s] ?? column([])])))
}

const BOARD = () =>
  board({
    BACKLOG: column([task('t1', 'Sketch the lander', 'BACKLOG', { labels: ['design'] })]),
    READY: column([task('t2', 'Order fuel', 'READY'), task('t3', 'Hire pilots', 'READY')], {
      hasNextPage: true,
      endCursor: 'r2',
      totalCount: 3,
    }),
    REVIEW: column([task('t4', 'Write launch notes', 'REVIEW')]),
  })

const entry = (id: string, summary: string, extra: Record<string, unknown> = {}) => ({
  id,
  kind: 'TASK_MOVED',
  summary,
  detail: null,
  createdAt: '2030-01-02T10:00:00Z',
  fromState: null,
  toState: null,
  elapsedSeconds: null,
  taskId: 't2',
  actor: { kind: 'USER', id: 'u1', name: 'Owner' },
  ...extra,
})

const ACTIVITY = () =>
  answers.data({
    project: {
      id: 'p1',
      activity: column(
        [
          entry('a2', 'Moved “Order fuel” to Ready', { fromState: 'BACKLOG', toState: 'READY', elapsedSeconds: 3600, detail: 'go' }),
          entry('a1', 'Created “Order fuel”', { kind: 'TASK_CREATED', actor: { kind: 'AGENT', id: 'main', name: 'main' } }),
        ],
        { hasNextPage: true, endCursor: 'a1', totalCount: 3 },
      ),
    },
  })

let app: RenderedApp | undefined

async function renderProject(handlers: Record<string, Handler> = {}, path = '/projects/apollo') {
  app = await renderSignedIn(path, {
    Project: () => answers.data({ project: PROJECT }),
    ProjectTasks: BOARD,
    ProjectActivity: ACTIVITY,
    ...handlers,
  })
  await screen.findByRole('heading', { name: 'Apollo', level: 1 })
  return app
}

const calls = (operation: string) => app!.server.calls.filter((c) => c.operation === operation)

afterEach(() => {
  tearDownPage(app)
  app = undefined
})

describe('a project’s page', () => {
  it('shows the header with the rendered description and a link to the lead agent', async () => {
    await renderProject()
    expect(document.title).toBe('Project apollo · Nexus')
    expect(calls('Project')[0]?.variables).toEqual({ slug: 'apollo' })
    const about = screen.getByRole('region', { name: 'About' })
    expect(within(about).getByText('the moon').tagName).toBe('STRONG')
    const header = screen.getByRole('heading', { name: 'Apollo', level: 1 }).parentElement!
    expect(within(header).getByRole('link', { name: 'main' }).getAttribute('href')).toBe('/agents/main')
    expect(within(header).getByText('Active')).toBeTruthy()
    expect(within(about).getByLabelText('Tasks by state').textContent).toContain('Ready2')
  })

  it('groups the tasks by state, each column with its total', async () => {
    await renderProject()
    const backlog = await screen.findByRole('region', { name: 'Backlog (1)' })
    expect(within(backlog).getByRole('link', { name: 'Sketch the lander' }).getAttribute('href')).toBe('/tasks/t1')
    expect(within(backlog).getByText('design')).toBeTruthy()

    const ready = screen.getByRole('region', { name: 'Ready (3)' })
    const titles = within(within(ready).getByRole('list', { name: 'Ready tasks' })).getAllByRole('link').map((a) => a.textContent)
    expect(titles).toEqual(['Order fuel', 'Hire pilots'])
    expect(within(screen.getByRole('region', { name: 'Review (1)' })).getByText('Write launch notes')).toBeTruthy()
    expect(within(screen.getByRole('region', { name: 'Done (0)' })).getByText('No tasks.')).toBeTruthy()
    // The project's own name is not repeated on every card.
    expect(within(ready).queryByRole('link', { name: 'Apollo' })).toBeNull()

    expect(calls('ProjectTasks')[0]?.variables).toEqual({ projectId: 'p1', first: 20 })
  })

  it('loads the next page of one column after its cursor', async () => {
    const { server } = await renderProject({
      TaskPage: () => answers.data({ tasks: column([task('t5', 'Paint the rocket', 'READY')], { totalCount: 3 }) }),
    })
    const ready = await screen.findByRole('region', { name: 'Ready (3)' })
    await fireEvent.click(within(ready).getByRole('button', { name: 'Load more Ready tasks' }))
    await within(ready).findByRole('link', { name: 'Paint the rocket' })
    expect(server.calls.find((c) => c.operation === 'TaskPage')?.variables).toEqual({
      first: 20,
      after: 'r2',
      filter: { projectId: 'p1', states: ['READY'] },
    })
  })

  it('sends the text, assignee and priority filter with the board query and keeps it in the URL', async () => {
    const { router } = await renderProject()
    await screen.findByRole('region', { name: 'Backlog (1)' })

    await fireEvent.update(screen.getByLabelText('Title or description'), 'fuel')
    await fireEvent.update(screen.getByLabelText('Assigned to'), 'ops')
    await fireEvent.submit(screen.getByRole('search', { name: 'Filter tasks' }))
    await fireEvent.update(screen.getByLabelText('With priority'), 'HIGH')

    await waitFor(() =>
      expect(calls('ProjectTasks').at(-1)?.variables).toEqual({
        projectId: 'p1',
        first: 20,
        search: 'fuel',
        assigneeId: 'ops',
        priorities: ['HIGH'],
      }),
    )
    expect(router.currentRoute.value.query).toEqual({ q: 'fuel', assignee: 'ops', priority: 'HIGH' })
  })

  it('shows the activity newest first and pages it', async () => {
    await renderProject({
      ProjectActivity: (call) =>
        call.variables?.after === 'a1'
          ? answers.data({ project: { id: 'p1', activity: column([entry('a0', 'Created the project', { taskId: null })], { totalCount: 3 }) } })
          : ACTIVITY(),
    })
    const feed = await screen.findByRole('list', { name: 'Project activity' })
    const items = within(feed).getAllByRole('listitem')
    expect(items[0]!.textContent).toContain('Moved “Order fuel” to Ready')
    expect(items[0]!.textContent).toContain('after 1h 0m 0s in Backlog')
    expect(items[0]!.textContent).toContain('go')
    expect(within(items[0]!).getByRole('link', { name: 'Moved “Order fuel” to Ready' }).getAttribute('href')).toBe('/tasks/t2')
    expect(within(items[1]!).getByRole('link', { name: 'main' }).getAttribute('href')).toBe('/agents/main')

    await fireEvent.click(screen.getByRole('button', { name: 'Load more activity' }))
    await waitFor(() => expect(within(feed).getAllByRole('listitem')).toHaveLength(3))
    expect(calls('ProjectActivity').at(-1)?.variables).toEqual({ slug: 'apollo', first: 20, after: 'a1' })
  })

  it('says so when there is no such project', async () => {
    app = await renderSignedIn('/projects/nope', {
      Project: () => answers.data({ project: null }),
      ProjectActivity: () => answers.data({ project: null }),
    })
    expect(await screen.findByText('No such project.')).toBeTruthy()
    expect(app.server.count('ProjectTasks')).toBe(0)
  })

  it('refetches the board when a task of the project changes', async () => {
    await renderProject()
    await screen.findByRole('region', { name: 'Backlog (1)' })
    await subscribed('TaskChanged')
    expect(calls('ProjectTasks')).toHaveLength(1)
    FakeWebSocket.emit('TaskChanged', { taskChanged: { kind: 'TRANSITIONED', projectId: 'p1', taskId: 't1' } })
    await waitFor(() => expect(calls('ProjectTasks')).toHaveLength(2), { timeout: 2000 })
  })

  it('refetches the feed and the counts when activity is added to the project', async () => {
    await renderProject()
    await screen.findByRole('list', { name: 'Project activity' })
    await subscribed('ActivityAdded')
    FakeWebSocket.emit('ActivityAdded', { activityAdded: { id: 'a3', kind: 'TASK_MOVED', projectId: 'p1', taskId: 't1' } })
    await waitFor(() => expect(calls('ProjectActivity')).toHaveLength(2), { timeout: 2000 })
    expect(calls('Project')).toHaveLength(2)
  })
})

describe('creating a task', () => {
  async function fillAndSubmit() {
    await fireEvent.click(await screen.findByRole('button', { name: 'New task' }))
    expect(document.activeElement).toBe(screen.getByLabelText('Title'))
    await fireEvent.update(screen.getByLabelText('Title'), ' Test the engines ')
    await fireEvent.update(screen.getByLabelText('Priority'), 'urgent')
    await fireEvent.update(screen.getByLabelText('Assignee agent id'), 'main')
    await fireEvent.update(screen.getByLabelText('Due date'), '2030-02-01')
    await fireEvent.update(screen.getByLabelText('Labels'), 'ops, engines,')
    await fireEvent.update(screen.getByLabelText('Description'), 'All **four**')
    await fireEvent.click(screen.getByRole('button', { name: 'Create task' }))
  }

  it('sends the input typed and reloads the board', async () => {
    const { server } = await renderProject({
      CreateTask: () => answers.data({ createTask: { task: { id: 't9', title: 'Test the engines', state: 'BACKLOG', version: 1 } } }),
    })
    await fillAndSubmit()
    expect(await screen.findByText('Created: Test the engines')).toBeTruthy()
    expect(server.calls.find((c) => c.operation === 'CreateTask')?.variables).toEqual({
      input: {
        projectId: 'p1',
        title: 'Test the engines',
        description: 'All **four**',
        priority: 'urgent',
        assigneeId: 'main',
        dueDate: '2030-02-01',
        labels: ['ops', 'engines'],
      },
    })
    await waitFor(() => expect(calls('ProjectTasks')).toHaveLength(2))
    expect(screen.queryByRole('region', { name: 'New task' })).toBeNull()
  })

  it('shows the server’s error listing the accepted priority forms next to the priority field', async () => {
    const message = 'Unknown priority `asap`. Accepted (any case): P0, P1, P2, P3, P4, critical, urgent, high, low.'
    await renderProject({
      CreateTask: () => answers.error('BAD_USER_INPUT', { field: 'priority', accepted: ['P0', 'P1', 'urgent'] }, message),
    })
    await fillAndSubmit()
    const priority = screen.getByLabelText('Priority')
    await waitFor(() => expect(priority.getAttribute('aria-invalid')).toBe('true'))
    const errorId = (priority.getAttribute('aria-describedby') ?? '').split(' ').find((id) => id.endsWith('-error'))
    expect(document.getElementById(errorId!)?.textContent).toBe(message)
    expect(document.activeElement).toBe(priority)
  })
})

describe('archiving a project', () => {
  it('sends the version shown and reloads', async () => {
    const { server } = await renderProject({
      ArchiveProject: () => answers.data({ archiveProject: { project: { id: 'p1', archived: true, version: 5 } } }),
    })
    await fireEvent.click(screen.getByRole('button', { name: 'Archive project Apollo' }))
    expect(await screen.findByText('Archived: Apollo')).toBeTruthy()
    expect(server.calls.find((c) => c.operation === 'ArchiveProject')?.variables).toEqual({
      input: { projectId: 'p1', expectedVersion: 4 },
    })
    await waitFor(() => expect(calls('Project')).toHaveLength(2))
  })

  it('says the project changed meanwhile and reloads on a CONFLICT', async () => {
    await renderProject({ ArchiveProject: () => answers.error('CONFLICT', { reason: 'STALE_VERSION' }, 'stale') })
    await fireEvent.click(screen.getByRole('button', { name: 'Archive project Apollo' }))
    expect(await screen.findByText('“Apollo” changed meanwhile — reloaded')).toBeTruthy()
    await waitFor(() => expect(calls('Project')).toHaveLength(2))
  })

  it('offers Unarchive and no New task for an archived project', async () => {
    await renderProject({ Project: () => answers.data({ project: { ...PROJECT, archived: true, archivedAt: '2030-01-03T00:00:00Z' } }) })
    expect(screen.getByRole('button', { name: 'Unarchive project Apollo' })).toBeTruthy()
    expect(screen.queryByRole('button', { name: 'New task' })).toBeNull()
  })
})

describe('editing a project', () => {
  async function openEditor(handlers: Record<string, Handler> = {}) {
    const rendered = await renderProject(handlers)
    await fireEvent.click(screen.getByRole('button', { name: 'Edit' }))
    await screen.findByRole('region', { name: 'Edit project' })
    return rendered
  }

  it('opens with the project’s values and the focus in the name field', async () => {
    await openEditor()
    const name = screen.getByLabelText('Name') as HTMLInputElement
    expect(name.value).toBe('Apollo')
    expect(document.activeElement).toBe(name)
    expect((screen.getByLabelText('Slug') as HTMLInputElement).value).toBe('apollo')
    expect((screen.getByLabelText('Lead agent id') as HTMLInputElement).value).toBe('main')
    expect((screen.getByLabelText('Description') as HTMLTextAreaElement).value).toBe('Land on **the moon**.')
  })

  it('saves every field with the version shown; a cleared lead is sent as null', async () => {
    const { server } = await openEditor({
      UpdateProject: () => answers.data({ updateProject: { project: { id: 'p1', slug: 'apollo', name: 'Apollo II', version: 5 } } }),
    })
    await fireEvent.update(screen.getByLabelText('Name'), ' Apollo II ')
    await fireEvent.update(screen.getByLabelText('Lead agent id'), '')
    await fireEvent.update(screen.getByLabelText('Status'), 'ON_HOLD')
    await fireEvent.click(screen.getByRole('button', { name: 'Save project' }))
    expect(await screen.findByText('Saved: Apollo II')).toBeTruthy()
    expect(server.calls.find((c) => c.operation === 'UpdateProject')?.variables).toEqual({
      input: {
        projectId: 'p1',
        expectedVersion: 4,
        name: 'Apollo II',
        slug: 'apollo',
        description: 'Land on **the moon**.',
        leadAgentId: null,
        status: 'ON_HOLD',
      },
    })
    await waitFor(() => expect(calls('Project')).toHaveLength(2))
    expect(screen.queryByRole('region', { name: 'Edit project' })).toBeNull()
    expect(document.activeElement).toBe(screen.getByRole('button', { name: 'Edit' }))
  })

  it('follows a new slug to the project’s new address', async () => {
    const { router } = await openEditor({
      UpdateProject: () => answers.data({ updateProject: { project: { id: 'p1', slug: 'artemis', name: 'Apollo', version: 5 } } }),
    })
    await fireEvent.update(screen.getByLabelText('Slug'), 'artemis')
    await fireEvent.click(screen.getByRole('button', { name: 'Save project' }))
    await waitFor(() => expect(router.currentRoute.value.path).toBe('/projects/artemis'))
    await waitFor(() => expect(calls('Project').at(-1)?.variables).toEqual({ slug: 'artemis' }))
  })

  it('shows a taken slug next to the slug field', async () => {
    await openEditor({
      UpdateProject: () => answers.error('CONFLICT', { field: 'slug', reason: 'DUPLICATE_SLUG' }, 'Another project already uses the slug `hermes`.'),
    })
    await fireEvent.update(screen.getByLabelText('Slug'), 'hermes')
    await fireEvent.click(screen.getByRole('button', { name: 'Save project' }))
    const slug = screen.getByLabelText('Slug')
    await waitFor(() => expect(slug.getAttribute('aria-invalid')).toBe('true'))
    expect(document.activeElement).toBe(slug)
  })

  it('keeps the draft and reloads when the project changed meanwhile, then saves against the new version', async () => {
    let version = 4
    let attempts = 0
    const { server } = await openEditor({
      Project: () => answers.data({ project: { ...PROJECT, version } }),
      UpdateProject: () => {
        attempts += 1
        return attempts === 1
          ? answers.error('CONFLICT', { reason: 'STALE_VERSION' }, 'stale')
          : answers.data({ updateProject: { project: { id: 'p1', slug: 'apollo', name: 'Apollo II', version: 7 } } })
      },
    })
    version = 6 // someone else saved meanwhile
    await fireEvent.update(screen.getByLabelText('Name'), 'Apollo II')
    await fireEvent.click(screen.getByRole('button', { name: 'Save project' }))
    expect((await screen.findByRole('alert')).textContent).toContain('Your edits are kept')
    expect((screen.getByLabelText('Name') as HTMLInputElement).value).toBe('Apollo II')
    await fireEvent.click(screen.getByRole('button', { name: 'Save project' }))
    expect(await screen.findByText('Saved: Apollo II')).toBeTruthy()
    const sent = server.calls.filter((c) => c.operation === 'UpdateProject').map((c) => (c.variables?.input as { expectedVersion: number }).expectedVersion)
    expect(sent).toEqual([4, 6])
  })
})

describe('deleting a project', () => {
  async function openDelete(handlers: Record<string, Handler> = {}) {
    const rendered = await renderProject(handlers)
    await fireEvent.click(screen.getByRole('button', { name: 'Edit' }))
    await fireEvent.click(await screen.findByRole('button', { name: 'Delete project…' }))
    return rendered
  }

  it('deletes a project with tasks only with them, after its slug is typed', async () => {
    const { server, router } = await openDelete({
      DeleteProject: () => answers.data({ deleteProject: { projectId: 'p1', deletedTaskCount: 4 } }),
      Projects: () => answers.data({ projects: { totalCount: 0, pageInfo: { hasNextPage: false, endCursor: null }, nodes: [] } }),
    })
    const confirm = screen.getByRole('form', { name: 'Confirm deleting the project' })
    expect(confirm.textContent).toContain('has 4 tasks')
    const button = within(confirm).getByRole('button', { name: 'Delete project and 4 tasks' }) as HTMLButtonElement
    expect(button.disabled).toBe(true)
    await fireEvent.update(within(confirm).getByLabelText(/Type the slug/), 'apollo')
    expect(button.disabled).toBe(false)
    await fireEvent.click(button)
    await waitFor(() => expect(router.currentRoute.value.path).toBe('/projects'))
    expect(server.calls.find((c) => c.operation === 'DeleteProject')?.variables).toEqual({
      input: { projectId: 'p1', expectedVersion: 4, cascade: true },
    })
  })

  it('deletes an empty project after one confirmation, without cascading', async () => {
    const { server, router } = await openDelete({
      Project: () => answers.data({ project: { ...PROJECT, taskCounts: counts({}) } }),
      DeleteProject: () => answers.data({ deleteProject: { projectId: 'p1', deletedTaskCount: 0 } }),
      Projects: () => answers.data({ projects: { totalCount: 0, pageInfo: { hasNextPage: false, endCursor: null }, nodes: [] } }),
    })
    await fireEvent.click(screen.getByRole('button', { name: 'Delete project' }))
    await waitFor(() => expect(router.currentRoute.value.path).toBe('/projects'))
    expect(server.calls.find((c) => c.operation === 'DeleteProject')?.variables).toEqual({
      input: { projectId: 'p1', expectedVersion: 4, cascade: false },
    })
  })

  it('stays on the page and says why when the server refuses', async () => {
    const { router } = await openDelete({
      Project: () => answers.data({ project: { ...PROJECT, taskCounts: counts({}) } }),
      DeleteProject: () => answers.error('CONFLICT', { reason: 'HAS_TASKS' }, 'The project has 1 task.'),
    })
    await fireEvent.click(screen.getByRole('button', { name: 'Delete project' }))
    expect((await screen.findByRole('alert')).textContent).toContain('The project has 1 task.')
    expect(router.currentRoute.value.path).toBe('/projects/apollo')
    await waitFor(() => expect(calls('Project')).toHaveLength(2))
  })
})

describe('a project’s page for a viewer', () => {
  it('offers no New task, no Edit and no Archive', async () => {
    await renderProject(asViewer)
    await screen.findByRole('region', { name: 'Backlog (1)' })
    expect(screen.queryByRole('button', { name: 'New task' })).toBeNull()
    expect(screen.queryByRole('button', { name: 'Edit' })).toBeNull()
    expect(screen.queryByRole('button', { name: /archive/i })).toBeNull()
  })
})
