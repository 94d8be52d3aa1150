/**
 * The projects list through the DOM: counts per state, the filter in the URL and in the query's
 * variables, "Load more", the new-project form with the server's field errors, what viewers
 * see, and live refetches on dashboardChanged.
 */
import { afterEach, describe, expect, it } from 'vitest'
import { fireEvent, screen, waitFor, within } from '@testing-library/vue'
import { FakeWebSocket, answers, outage, type GraphQLCall, type Handler, type PageOptions } from '@/test-support/fake-api'
import { asViewer } from '@/test-support/sessions'
import { expectRetryAfterOutage, renderSignedIn, subscribed, tearDownPage, type RenderedApp } from '@/test-support/render-app'
import { TASK_STATES } from '@/lib/labels'

const counts = (c: Record<string, number>) => TASK_STATES.map((state) => ({ state, count: c[state] ?? 0 }))

function project(id: string, name: string, extra: Record<string, unknown> = {}) {
  return {
    id,
    slug: name.toLowerCase(),
    name,
    status: 'ACTIVE',
    archived: false,
    leadAgentId: 'main',
    updatedAt: '2030-01-01T10:00:00Z',
    taskCounts: counts({}),
    ...extra,
  }
}

const APOLLO = project('p1', 'Apollo', { taskCounts: counts({ READY: 3, REVIEW: 1, DONE: 12 }) })
const HERMES = project('p2', 'Hermes', { status: 'ON_HOLD', leadAgentId: null })

const page = (nodes: unknown[], opts: PageOptions = {}) => answers.connection('projects', nodes, opts)

let app: RenderedApp | undefined

async function renderProjects(handlers: Record<string, Handler> = {}, path = '/projects') {
  app = await renderSignedIn(path, { Projects: () => page([APOLLO, HERMES]), ...handlers })
  await screen.findByRole('heading', { name: 'Projects', level: 1 })
  return app
}

const projectCalls = () => app!.server.calls.filter((c) => c.operation === 'Projects')
const lastProjectCall = (): GraphQLCall | undefined => projectCalls().at(-1)

afterEach(() => {
  tearDownPage(app)
  app = undefined
})

describe('the projects list', () => {
  it('lists each project with its status, lead agent and task counts per state', async () => {
    await renderProjects()
    const items = within(await screen.findByRole('list', { name: 'Projects' })).getAllByRole('listitem')
    expect(items).toHaveLength(2)

    const apollo = items[0]!
    expect(within(apollo).getByRole('link', { name: 'Apollo' }).getAttribute('href')).toBe('/projects/apollo')
    expect(within(apollo).getByText('Active')).toBeTruthy()
    expect(within(apollo).getByRole('link', { name: 'main' }).getAttribute('href')).toBe('/agents/main')
    const tally = within(apollo).getByLabelText('Tasks of Apollo by state')
    const pairs = [...tally.querySelectorAll('div')].map((d) => `${d.querySelector('dt')?.textContent}=${d.querySelector('dd')?.textContent}`)
    expect(pairs).toEqual(['Backlog=0', 'Ready=3', 'In progress=0', 'Review=1', 'Blocked=0', 'Done=12', 'Cancelled=0'])

    expect(within(items[1]!).getByText('On hold')).toBeTruthy()
    expect(items[1]!.textContent).toContain('lead none')
    expect(lastProjectCall()?.variables).toEqual({ first: 20, filter: { includeArchived: false } })
  })

  it('reads the filter from the URL and sends it as the query’s variables', async () => {
    await renderProjects({}, '/projects?q=apo&status=ON_HOLD&archived=1')
    await screen.findByRole('list', { name: 'Projects' })
    expect(projectCalls()[0]?.variables).toEqual({ first: 20, filter: { includeArchived: true, search: 'apo', status: 'ON_HOLD' } })
    expect((screen.getByLabelText('Name or slug') as HTMLInputElement).value).toBe('apo')
    expect((screen.getByLabelText('Status') as HTMLSelectElement).value).toBe('ON_HOLD')
    expect((screen.getByLabelText('Show archived projects') as HTMLInputElement).checked).toBe(true)
  })

  it('puts a new search, status and archived choice into the URL and refetches with them', async () => {
    const { router } = await renderProjects()
    await screen.findByRole('list', { name: 'Projects' })

    await fireEvent.update(screen.getByLabelText('Name or slug'), ' herm ')
    await fireEvent.submit(screen.getByRole('search', { name: 'Filter projects' }))
    await waitFor(() => expect(lastProjectCall()?.variables).toEqual({ first: 20, filter: { includeArchived: false, search: 'herm' } }))

    await fireEvent.update(screen.getByLabelText('Status'), 'COMPLETED')
    await waitFor(() =>
      expect(lastProjectCall()?.variables).toEqual({ first: 20, filter: { includeArchived: false, search: 'herm', status: 'COMPLETED' } }),
    )

    await fireEvent.click(screen.getByLabelText('Show archived projects'))
    await waitFor(() =>
      expect(lastProjectCall()?.variables).toEqual({ first: 20, filter: { includeArchived: true, search: 'herm', status: 'COMPLETED' } }),
    )
    expect(router.currentRoute.value.query).toEqual({ q: 'herm', status: 'COMPLETED', archived: '1' })
  })

  it('follows the search box by itself shortly after typing stops', async () => {
    const { router } = await renderProjects()
    await screen.findByRole('list', { name: 'Projects' })
    await fireEvent.update(screen.getByLabelText('Name or slug'), 'apo')
    await waitFor(() => expect(router.currentRoute.value.query).toEqual({ q: 'apo' }), { timeout: 2000 })
    await waitFor(() => expect(lastProjectCall()?.variables).toEqual({ first: 20, filter: { includeArchived: false, search: 'apo' } }))
  })

  it('says so when no project matches the filter', async () => {
    await renderProjects({ Projects: () => page([]) }, '/projects?q=nothing')
    expect(await screen.findByText('No projects match the filter.')).toBeTruthy()
  })

  it('loads the next page after the last cursor with Load more', async () => {
    await renderProjects({
      Projects: (call) =>
        call.variables?.after === 'c1'
          ? page([HERMES], { totalCount: 2 })
          : page([APOLLO], { hasNextPage: true, endCursor: 'c1', totalCount: 2 }),
    })
    await screen.findByRole('list', { name: 'Projects' })
    expect(screen.getByText('Showing 1 of 2')).toBeTruthy()

    await fireEvent.click(screen.getByRole('button', { name: 'Load more projects' }))
    await waitFor(() => expect(within(screen.getByRole('list', { name: 'Projects' })).getAllByRole('listitem')).toHaveLength(2))
    expect(lastProjectCall()?.variables).toEqual({ first: 20, after: 'c1', filter: { includeArchived: false } })
    expect(screen.queryByRole('button', { name: 'Load more projects' })).toBeNull()
  })

  it('shows an error with a retry button when the projects cannot be loaded', async () => {
    const down = outage(() => page([APOLLO]))
    await renderProjects({ Projects: down.handler })
    await expectRetryAfterOutage(down, () => screen.findByRole('link', { name: 'Apollo' }))
  })

  it('refetches after a dashboardChanged event', async () => {
    await renderProjects()
    await screen.findByRole('list', { name: 'Projects' })
    await subscribed('DashboardChanged')
    expect(projectCalls()).toHaveLength(1)
    FakeWebSocket.emit('DashboardChanged', { dashboardChanged: { at: '2030-01-01T12:00:01Z', changes: 1 } })
    await waitFor(() => expect(projectCalls()).toHaveLength(2), { timeout: 2000 })
  })
})

describe('creating a project', () => {
  it('opens the form with the focus in the name field and suggests the slug from the name', async () => {
    await renderProjects()
    await fireEvent.click(await screen.findByRole('button', { name: 'New project' }))
    const name = screen.getByLabelText('Name')
    expect(document.activeElement).toBe(name)
    await fireEvent.update(name, 'Gateway Hardening')
    expect((screen.getByLabelText('Slug') as HTMLInputElement).value).toBe('gateway-hardening')
  })

  it('sends the input typed and reloads the list', async () => {
    const { server } = await renderProjects({
      CreateProject: () => answers.data({ createProject: { project: { id: 'p3', slug: 'gw', name: 'Gateway' } } }),
    })
    await fireEvent.click(await screen.findByRole('button', { name: 'New project' }))
    await fireEvent.update(screen.getByLabelText('Name'), 'Gateway')
    await fireEvent.update(screen.getByLabelText('Slug'), 'gw')
    await fireEvent.update(screen.getByLabelText('Lead agent id'), 'ops')
    await fireEvent.update(screen.getByLabelText('Description'), 'Harden **it**')
    await fireEvent.click(screen.getByRole('button', { name: 'Create project' }))

    expect(await screen.findByText('Created: Gateway')).toBeTruthy()
    expect(server.calls.find((c) => c.operation === 'CreateProject')?.variables).toEqual({
      input: { name: 'Gateway', slug: 'gw', description: 'Harden **it**', leadAgentId: 'ops', status: 'ACTIVE' },
    })
    await waitFor(() => expect(projectCalls()).toHaveLength(2))
    expect(screen.queryByRole('region', { name: 'New project' })).toBeNull()
  })

  it('shows a duplicate slug as an error next to the slug field and focuses it', async () => {
    await renderProjects({
      CreateProject: () =>
        answers.error('CONFLICT', { field: 'slug', reason: 'DUPLICATE_SLUG' }, 'Another project already uses the slug `apollo`.'),
    })
    await fireEvent.click(await screen.findByRole('button', { name: 'New project' }))
    await fireEvent.update(screen.getByLabelText('Name'), 'Apollo')
    await fireEvent.click(screen.getByRole('button', { name: 'Create project' }))

    const slug = screen.getByLabelText('Slug')
    await waitFor(() => expect(slug.getAttribute('aria-invalid')).toBe('true'))
    const describedBy = (slug.getAttribute('aria-describedby') ?? '').split(' ')
    const error = describedBy.map((id) => document.getElementById(id)).find((el) => el?.classList.contains('field-error'))
    expect(error?.textContent).toBe('Another project already uses the slug `apollo`.')
    expect(document.activeElement).toBe(slug)
    expect(screen.getByLabelText('Name').getAttribute('aria-invalid')).toBeNull()
    // Not a "changed meanwhile": the form stays open with what was typed.
    expect(screen.queryByText(/changed meanwhile/)).toBeNull()
    expect((screen.getByLabelText('Name') as HTMLInputElement).value).toBe('Apollo')
  })

  it('shows an error that names no field of the form with its code', async () => {
    await renderProjects({ CreateProject: () => answers.error('FORBIDDEN', {}, 'Operators only.') })
    await fireEvent.click(await screen.findByRole('button', { name: 'New project' }))
    await fireEvent.update(screen.getByLabelText('Name'), 'Apollo')
    await fireEvent.click(screen.getByRole('button', { name: 'Create project' }))
    const alert = await screen.findByText(/Could not create the project/)
    expect(alert.textContent).toContain('Operators only.')
    expect(alert.textContent).toContain('FORBIDDEN')
  })
})

describe('the projects list for a viewer', () => {
  it('offers no New project button', async () => {
    await renderProjects(asViewer)
    await screen.findByRole('list', { name: 'Projects' })
    expect(screen.queryByRole('button', { name: 'New project' })).toBeNull()
    expect(screen.getByText('Viv Viewer')).toBeTruthy() // signed in as the viewer indeed
  })
})
