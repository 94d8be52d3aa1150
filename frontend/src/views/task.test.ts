/**
 * One task's page through the DOM: its facts and activity, the move buttons driven by
 * `allowedTransitions`, approve / reject / block / cancel / move / edit / assign with the
 * version shown, CONFLICT and INVALID_TRANSITION reloads, other errors, busy buttons, what
 * viewers see, and live refetches for this task only.
 */
import { afterEach, describe, expect, it } from 'vitest'
import { fireEvent, screen, waitFor, within } from '@testing-library/vue'
import { FakeWebSocket, answers, type Handler } from '@/test-support/fake-api'
import { renderSignedIn, subscribed, tearDownPage, type RenderedApp } from '@/test-support/render-app'
import { asViewer } from '@/test-support/sessions'

const TITLE = 'Write launch notes'

function task(extra: Record<string, unknown> = {}) {
  return {
    id: 't1',
    title: TITLE,
    description: 'Cover the **new** dashboard.',
    state: 'REVIEW',
    priority: 'CRITICAL',
    priorityLabel: 'P0',
    version: 7,
    assigneeId: 'main',
    dueDate: '2030-02-01',
    labels: ['docs', 'launch'],
    blockedFrom: null,
    allowedTransitions: ['DONE', 'IN_PROGRESS', 'BLOCKED', 'CANCELLED'],
    stateChangedAt: '2030-01-01T10:00:00Z',
    createdAt: '2030-01-01T09:00:00Z',
    updatedAt: '2030-01-01T10:00:00Z',
    readyAt: '2030-01-01T09:30:00Z',
    doneAt: null,
    projectId: 'p1',
    project: { id: 'p1', name: 'Apollo', slug: 'apollo', archived: false },
    ...extra,
  }
}

const ACTIVITY = () =>
  answers.data({
    task: {
      id: 't1',
      activity: {
        totalCount: 1,
        pageInfo: { hasNextPage: false, endCursor: null },
        nodes: [
          {
            id: 'a1',
            kind: 'TASK_MOVED',
            summary: 'Submitted “Write launch notes” for review',
            detail: null,
            createdAt: '2030-01-01T10:00:00Z',
            fromState: 'IN_PROGRESS',
            toState: 'REVIEW',
            elapsedSeconds: 90,
            taskId: 't1',
            actor: { kind: 'AGENT', id: 'main', name: 'main' },
          },
        ],
      },
    },
  })

const ok = (field: string) => () => answers.data({ [field]: { task: { id: 't1', state: 'DONE', version: 8 } } })

let app: RenderedApp | undefined

async function renderTask(handlers: Record<string, Handler> = {}) {
  app = await renderSignedIn('/tasks/t1', { Task: () => answers.data({ task: task() }), TaskActivity: ACTIVITY, ...handlers })
  await screen.findByRole('heading', { name: TITLE, level: 1 })
  return app
}

const calls = (operation: string) => app!.server.calls.filter((c) => c.operation === operation)
const moveButtons = () => within(screen.getByRole('group', { name: 'Moves' })).getAllByRole('button')

afterEach(() => {
  tearDownPage(app)
  app = undefined
})

describe('a task’s page', () => {
  it('shows the state, priority with its label as written, assignee, due date, labels, project and description', async () => {
    await renderTask()
    expect(calls('Task')[0]?.variables).toEqual({ id: 't1' })
    const details = screen.getByRole('region', { name: 'Details' })
    expect(details.textContent).toContain('Review')
    expect(details.textContent).toContain('Critical — written “P0”')
    expect(within(details).getByRole('link', { name: 'main' }).getAttribute('href')).toBe('/agents/main')
    expect(details.textContent).toContain('2030-02-01')
    expect(details.textContent).toContain('docs, launch')
    expect(within(details).getByRole('link', { name: 'Apollo' }).getAttribute('href')).toBe('/projects/apollo')
    expect(within(screen.getByRole('region', { name: 'Description' })).getByText('new').tagName).toBe('STRONG')
  })

  it('shows the task’s activity', async () => {
    await renderTask()
    const feed = await screen.findByRole('list', { name: 'Task activity' })
    expect(feed.textContent).toContain('Submitted “Write launch notes” for review')
    expect(feed.textContent).toContain('after 1m 30s in In progress')
    expect(calls('TaskActivity')[0]?.variables).toEqual({ id: 't1', first: 20 })
  })

  it('offers exactly one button per allowed transition', async () => {
    await renderTask()
    expect(moveButtons().map((b) => b.textContent?.trim())).toEqual(['Approve', 'Reject', 'Block', 'Cancel task'])
    expect(moveButtons().map((b) => b.getAttribute('aria-label'))).toEqual([
      `Approve ${TITLE}`,
      `Reject ${TITLE}`,
      `Block ${TITLE}`,
      `Cancel ${TITLE}`,
    ])
  })

  it.each([
    ['READY', ['IN_PROGRESS', 'BLOCKED', 'CANCELLED'], null, ['Move to In progress', 'Block', 'Cancel task']],
    ['BACKLOG', ['READY', 'BLOCKED', 'CANCELLED'], null, ['Move to Ready', 'Block', 'Cancel task']],
    ['BLOCKED', ['IN_PROGRESS', 'CANCELLED'], 'IN_PROGRESS', ['Unblock (back to In progress)', 'Cancel task']],
  ])('offers the moves of a %s task the server allows', async (state, allowed, blockedFrom, labels) => {
    await renderTask({ Task: () => answers.data({ task: task({ state, allowedTransitions: allowed, blockedFrom }) }) })
    expect(moveButtons().map((b) => b.textContent?.trim())).toEqual(labels)
  })

  it('offers no move for a finished task, but still edits', async () => {
    await renderTask({ Task: () => answers.data({ task: task({ state: 'DONE', allowedTransitions: [] }) }) })
    expect(screen.queryByRole('group', { name: 'Moves' })).toBeNull()
    expect(screen.getByText('Done is final: the task moves no more.')).toBeTruthy()
    expect(screen.getByRole('button', { name: `Edit ${TITLE}` })).toBeTruthy()
  })

  it('says so when there is no such task', async () => {
    app = await renderSignedIn('/tasks/nope', {
      Task: () => answers.data({ task: null }),
      TaskActivity: () => answers.data({ task: null }),
    })
    expect(await screen.findByText('No such task.')).toBeTruthy()
  })
})

describe('moving a task', () => {
  it('approves with an optional comment and the version shown, then reloads', async () => {
    const { server } = await renderTask({ ApproveTask: ok('approveTask') })
    await fireEvent.click(screen.getByRole('button', { name: `Approve ${TITLE}` }))
    const comment = screen.getByLabelText('Comment (optional)')
    expect(document.activeElement).toBe(comment)
    await fireEvent.update(comment, ' Lovely ')
    await fireEvent.click(screen.getByRole('button', { name: 'Approve' }))

    expect(await screen.findByText(`Approved: ${TITLE}`)).toBeTruthy()
    expect(server.calls.find((c) => c.operation === 'ApproveTask')?.variables).toEqual({
      input: { taskId: 't1', expectedVersion: 7, comment: 'Lovely' },
    })
    await waitFor(() => expect(calls('Task')).toHaveLength(2))
    expect(calls('TaskActivity')).toHaveLength(2)
  })

  it('approves without a comment when none is given', async () => {
    const { server } = await renderTask({ ApproveTask: ok('approveTask') })
    await fireEvent.click(screen.getByRole('button', { name: `Approve ${TITLE}` }))
    await fireEvent.click(screen.getByRole('button', { name: 'Approve' }))
    await screen.findByText(`Approved: ${TITLE}`)
    expect(server.calls.find((c) => c.operation === 'ApproveTask')?.variables).toEqual({ input: { taskId: 't1', expectedVersion: 7 } })
  })

  it('rejects only with a reason, and sends it with the version shown', async () => {
    const { server } = await renderTask({ RejectTask: ok('rejectTask') })
    await fireEvent.click(screen.getByRole('button', { name: `Reject ${TITLE}` }))
    const reason = screen.getByLabelText('Reason for rejecting')
    expect(document.activeElement).toBe(reason)
    const send = screen.getByRole('button', { name: 'Send back' }) as HTMLButtonElement
    expect(send.disabled).toBe(true)
    await fireEvent.update(reason, '   ')
    expect(send.disabled).toBe(true)
    await fireEvent.submit(send.closest('form')!)
    expect(server.count('RejectTask')).toBe(0)

    await fireEvent.update(reason, 'Needs sources')
    expect(send.disabled).toBe(false)
    await fireEvent.click(send)
    expect(await screen.findByText(`Sent back: ${TITLE}`)).toBeTruthy()
    expect(server.calls.find((c) => c.operation === 'RejectTask')?.variables).toEqual({
      input: { taskId: 't1', expectedVersion: 7, reason: 'Needs sources' },
    })
  })

  it('blocks with the reason given', async () => {
    const { server } = await renderTask({ BlockTask: ok('blockTask') })
    await fireEvent.click(screen.getByRole('button', { name: `Block ${TITLE}` }))
    expect((screen.getByRole('button', { name: 'Block' }) as HTMLButtonElement).disabled).toBe(true)
    await fireEvent.update(screen.getByLabelText('Reason for blocking'), 'Waits for the keys')
    await fireEvent.click(screen.getByRole('button', { name: 'Block' }))
    await screen.findByText(`Blocked: ${TITLE}`)
    expect(server.calls.find((c) => c.operation === 'BlockTask')?.variables).toEqual({
      input: { taskId: 't1', expectedVersion: 7, reason: 'Waits for the keys' },
    })
  })

  it('unblocks at once with the version shown', async () => {
    const { server } = await renderTask({
      Task: () => answers.data({ task: task({ state: 'BLOCKED', blockedFrom: 'READY', allowedTransitions: ['READY', 'CANCELLED'] }) }),
      UnblockTask: ok('unblockTask'),
    })
    await fireEvent.click(screen.getByRole('button', { name: `Unblock ${TITLE}` }))
    await screen.findByText(`Unblocked: ${TITLE}`)
    expect(server.calls.find((c) => c.operation === 'UnblockTask')?.variables).toEqual({ input: { taskId: 't1', expectedVersion: 7 } })
  })

  it('cancels only after the user confirms', async () => {
    const { server } = await renderTask({ CancelTask: ok('cancelTask') })
    await fireEvent.click(screen.getByRole('button', { name: `Cancel ${TITLE}` }))
    expect(document.activeElement).toBe(screen.getByRole('button', { name: 'Keep it' }))
    await fireEvent.click(screen.getByRole('button', { name: 'Keep it' }))
    expect(server.count('CancelTask')).toBe(0)

    await fireEvent.click(screen.getByRole('button', { name: `Cancel ${TITLE}` }))
    await fireEvent.click(screen.getByRole('button', { name: 'Yes, cancel the task' }))
    await screen.findByText(`Cancelled: ${TITLE}`)
    expect(server.calls.find((c) => c.operation === 'CancelTask')?.variables).toEqual({ input: { taskId: 't1', expectedVersion: 7 } })
  })

  it('moves along the flow with transitionTask and the version shown', async () => {
    const { server } = await renderTask({
      Task: () => answers.data({ task: task({ state: 'READY', allowedTransitions: ['IN_PROGRESS', 'BLOCKED', 'CANCELLED'] }) }),
      TransitionTask: ok('transitionTask'),
    })
    await fireEvent.click(screen.getByRole('button', { name: `Move ${TITLE} to In progress` }))
    await screen.findByText(`Moved to In progress: ${TITLE}`)
    expect(server.calls.find((c) => c.operation === 'TransitionTask')?.variables).toEqual({
      input: { taskId: 't1', expectedVersion: 7, to: 'IN_PROGRESS' },
    })
  })

  it.each([
    ['CONFLICT', { reason: 'STALE_VERSION', currentVersion: 9 }],
    ['INVALID_TRANSITION', { from: 'DONE', allowed: [] }],
  ])('says the task changed meanwhile and reloads when the server answers %s', async (code, extensions) => {
    let version = 7
    const { server } = await renderTask({
      Task: () => answers.data({ task: task({ version }) }),
      ApproveTask: (call) => {
        if ((call.variables?.input as { expectedVersion: number }).expectedVersion === 9) return ok('approveTask')()
        version = 9 // someone else changed it
        return answers.error(code, extensions, 'stale')
      },
    })
    await fireEvent.click(screen.getByRole('button', { name: `Approve ${TITLE}` }))
    await fireEvent.click(screen.getByRole('button', { name: 'Approve' }))

    expect(await screen.findByText(`“${TITLE}” changed meanwhile — reloaded`)).toBeTruthy()
    await waitFor(() => expect(calls('Task')).toHaveLength(2))
    await waitFor(() => expect(screen.queryByLabelText('Comment (optional)')).toBeNull()) // the form saw the old task

    // The next attempt carries the version the reload brought.
    await waitFor(() => expect(screen.getByRole('region', { name: 'Details' }).textContent).toContain('9'))
    await fireEvent.click(screen.getByRole('button', { name: `Approve ${TITLE}` }))
    await fireEvent.click(screen.getByRole('button', { name: 'Approve' }))
    await screen.findByText(`Approved: ${TITLE}`)
    expect(server.calls.filter((c) => c.operation === 'ApproveTask')[1]?.variables).toEqual({ input: { taskId: 't1', expectedVersion: 9 } })
  })

  it('shows any other error with its message and code, without reloading', async () => {
    await renderTask({ BlockTask: () => answers.error('FORBIDDEN', {}, 'Operators only.') })
    await fireEvent.click(screen.getByRole('button', { name: `Block ${TITLE}` }))
    await fireEvent.update(screen.getByLabelText('Reason for blocking'), 'keys')
    await fireEvent.click(screen.getByRole('button', { name: 'Block' }))
    expect(await screen.findByText(`Could not block “${TITLE}”: Operators only. (FORBIDDEN)`)).toBeTruthy()
    expect(calls('Task')).toHaveLength(1)
  })

  it('disables every action button while a write is under way', async () => {
    let answer!: (value: ReturnType<typeof answers.data>) => void
    await renderTask({
      Task: () => answers.data({ task: task({ state: 'READY', allowedTransitions: ['IN_PROGRESS', 'BLOCKED', 'CANCELLED'] }) }),
      TransitionTask: () => new Promise((resolve) => (answer = resolve)),
    })
    await fireEvent.click(screen.getByRole('button', { name: `Move ${TITLE} to In progress` }))
    await waitFor(() => expect(moveButtons().every((b) => (b as HTMLButtonElement).disabled)).toBe(true))
    expect((screen.getByRole('button', { name: `Edit ${TITLE}` }) as HTMLButtonElement).disabled).toBe(true)

    answer(answers.data({ transitionTask: { task: { id: 't1', state: 'IN_PROGRESS', version: 8 } } }))
    await waitFor(() => expect(moveButtons().some((b) => (b as HTMLButtonElement).disabled)).toBe(false))
  })
})

describe('editing and assigning a task', () => {
  it('sends only the fields that changed, with the version shown', async () => {
    const { server } = await renderTask({ UpdateTask: () => answers.data({ updateTask: { task: { id: 't1', state: 'REVIEW', version: 8 } } }) })
    await fireEvent.click(screen.getByRole('button', { name: `Edit ${TITLE}` }))
    const title = screen.getByLabelText('Title') as HTMLInputElement
    expect(document.activeElement).toBe(title)
    expect(title.value).toBe(TITLE)
    expect((screen.getByLabelText('Priority') as HTMLInputElement).value).toBe('P0')

    await fireEvent.update(screen.getByLabelText('Priority'), 'urgent')
    await fireEvent.update(screen.getByLabelText('Labels'), 'docs, launch, web')
    await fireEvent.update(screen.getByLabelText('Due date'), '')
    await fireEvent.click(screen.getByRole('button', { name: 'Save' }))

    await screen.findByText(`Saved: ${TITLE}`)
    expect(server.calls.find((c) => c.operation === 'UpdateTask')?.variables).toEqual({
      input: { taskId: 't1', expectedVersion: 7, priority: 'urgent', labels: ['docs', 'launch', 'web'], dueDate: null },
    })
  })

  it('shows the server’s accepted priority forms next to the priority field', async () => {
    const message = 'Unknown priority `asap`. Accepted (any case): P0, P1, urgent.'
    await renderTask({ UpdateTask: () => answers.error('BAD_USER_INPUT', { field: 'priority', accepted: ['P0', 'P1', 'urgent'] }, message) })
    await fireEvent.click(screen.getByRole('button', { name: `Edit ${TITLE}` }))
    await fireEvent.update(screen.getByLabelText('Priority'), 'asap')
    await fireEvent.click(screen.getByRole('button', { name: 'Save' }))

    const priority = screen.getByLabelText('Priority')
    await waitFor(() => expect(priority.getAttribute('aria-invalid')).toBe('true'))
    const errorId = (priority.getAttribute('aria-describedby') ?? '').split(' ').find((id) => id.endsWith('-error'))
    expect(document.getElementById(errorId!)?.textContent).toBe(message)
    expect(document.activeElement).toBe(priority)
    expect((priority as HTMLInputElement).value).toBe('asap') // the form stays, with what was typed
  })

  it('assigns to the agent typed, and unassigns with an empty field', async () => {
    const { server } = await renderTask({ AssignTask: () => answers.data({ assignTask: { task: { id: 't1', assigneeId: 'ops', version: 8 } } }) })
    await fireEvent.click(screen.getByRole('button', { name: `Assign ${TITLE}` }))
    const field = screen.getByLabelText('Assignee agent id') as HTMLInputElement
    expect(document.activeElement).toBe(field)
    expect(field.value).toBe('main')
    await fireEvent.update(field, 'ops')
    await fireEvent.click(screen.getByRole('button', { name: 'Assign' }))
    await screen.findByText(`Assigned to ops: ${TITLE}`)
    expect(server.calls.find((c) => c.operation === 'AssignTask')?.variables).toEqual({
      input: { taskId: 't1', expectedVersion: 7, assigneeId: 'ops' },
    })

    // Busy until the reload brought the new version; then the next write may go.
    const assign = screen.getByRole('button', { name: `Assign ${TITLE}` }) as HTMLButtonElement
    await waitFor(() => expect(assign.disabled).toBe(false))
    await waitFor(() => expect(screen.queryByLabelText('Assignee agent id')).toBeNull())
    await fireEvent.click(assign)
    await fireEvent.update(screen.getByLabelText('Assignee agent id'), '')
    await fireEvent.click(screen.getByRole('button', { name: 'Unassign' }))
    await waitFor(() => expect(server.count('AssignTask')).toBe(2))
    expect(server.calls.filter((c) => c.operation === 'AssignTask')[1]?.variables).toEqual({
      input: { taskId: 't1', expectedVersion: 7, assigneeId: null },
    })
  })
})

describe('a task’s page for a viewer', () => {
  it('offers no write controls', async () => {
    await renderTask(asViewer)
    await screen.findByRole('list', { name: 'Task activity' })
    expect(screen.queryByRole('region', { name: 'Actions' })).toBeNull()
    expect(screen.queryByRole('button', { name: new RegExp(TITLE) })).toBeNull()
    expect(screen.queryByRole('button', { name: /approve|reject|block|cancel|edit|assign|move/i })).toBeNull()
  })
})

describe('a task’s page, live', () => {
  it('refetches the task when it changes, not when another task of the project does', async () => {
    await renderTask()
    await subscribed('TaskChanged')
    FakeWebSocket.emit('TaskChanged', { taskChanged: { kind: 'UPDATED', projectId: 'p1', taskId: 't2' } })
    await new Promise((r) => setTimeout(r, 450))
    expect(calls('Task')).toHaveLength(1)

    FakeWebSocket.emit('TaskChanged', { taskChanged: { kind: 'TRANSITIONED', projectId: 'p1', taskId: 't1' } })
    await waitFor(() => expect(calls('Task')).toHaveLength(2), { timeout: 2000 })
  })

  it('refetches and listens again when the server says changes were missed', async () => {
    await renderTask()
    await subscribed('TaskChanged')
    expect(FakeWebSocket.endWithMissedEvents('TaskChanged')).toBe(1)
    await waitFor(() => expect(calls('Task')).toHaveLength(2), { timeout: 2000 })
    await subscribed('TaskChanged')
    expect(screen.queryByText(/not delivered/)).toBeNull()
    // The new subscription is live.
    FakeWebSocket.emit('TaskChanged', { taskChanged: { kind: 'UPDATED', projectId: 'p1', taskId: 't1' } })
    await waitFor(() => expect(calls('Task')).toHaveLength(3), { timeout: 2000 })
  })

  it('refetches the activity when an entry for this task is added', async () => {
    await renderTask()
    await subscribed('ActivityAdded')
    FakeWebSocket.emit('ActivityAdded', { activityAdded: { id: 'a2', kind: 'TASK_UPDATED', projectId: 'p1', taskId: 't1' } })
    await waitFor(() => expect(calls('TaskActivity')).toHaveLength(2), { timeout: 2000 })
  })
})
