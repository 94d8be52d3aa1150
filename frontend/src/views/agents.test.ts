/**
 * The agents pages through the DOM: the team, one agent's goal, files, file content and memory,
 * editing a file (expectedHash, conflicts, roles), memory search (one agent's, the team's), and
 * live refetches on workspaceChanged.
 */
import { afterEach, describe, expect, it, vi } from 'vitest'
import { fireEvent, screen, waitFor, within } from '@testing-library/vue'
import { FakeWebSocket, OWNER, answers, sessionPayload, type Handler } from '@/test-support/fake-api'
import { renderSignedIn, subscribed, tearDownPage, type RenderedApp } from '@/test-support/render-app'

const IRIS = {
  id: 'main',
  name: 'Iris',
  emoji: '🌈',
  theme: 'lead agent',
  creature: 'messenger',
  avatarUrl: null,
  isDefault: true,
  model: { primary: 'anthropic/claude', fallbacks: ['openai/gpt'] },
}
const BOLT = { ...IRIS, id: 'bolt', name: 'Bolt', emoji: '⚡', theme: 'builder', isDefault: false, model: null }

const DETAIL = {
  activity: [{ id: 'c1', path: 'SOUL.md', summary: 'Updated SOUL.md of main', createdAt: '2030-01-02T09:00:00Z' }],
  ...IRIS,
  vibe: 'calm',
  workspace: '/ws/main',
  goal: 'Ship **Nexus**',
  files: [
    { name: 'SOUL.md', size: 120, modifiedAt: '2030-01-01T00:00:00Z', hash: 'h1' },
    { name: 'GOAL.md', size: 14, modifiedAt: '2030-01-01T00:00:00Z', hash: 'h2' },
  ],
  memory: {
    totalCount: 2,
    longTerm: null,
    nodes: [
      { date: '2030-01-01', path: 'memory/2030-01-01.md', size: 10, modifiedAt: '2030-01-01T00:00:00Z' },
      { date: '2030-01-03', path: 'memory/2030-01-03.md', size: 12, modifiedAt: '2030-01-03T00:00:00Z' },
    ],
  },
}

let app: RenderedApp | undefined

async function renderAt(path: string, handlers: Record<string, Handler> = {}) {
  app = await renderSignedIn(path, {
    Agents: () => answers.data({ agents: [IRIS, BOLT] }),
    Agent: () => answers.data({ agent: DETAIL }),
    AgentFile: (call) =>
      answers.data({ agent: { id: 'main', file: { name: call.variables?.name, content: '# Soul\n\nBe kind.', size: 1, modifiedAt: '2030-01-01T00:00:00Z', hash: 'h' } } }),
    ...handlers,
  })
  return app
}

afterEach(() => {
  tearDownPage(app)
  app = undefined
})

describe('the agents pages', () => {
  it('lists the team with emoji, theme, model and the default badge', async () => {
    await renderAt('/agents')
    const team = await screen.findByRole('list', { name: 'Team' })
    const items = within(team).getAllByRole('listitem')
    expect(items).toHaveLength(2)
    expect(within(items[0]!).getByRole('link', { name: /Iris/ })).toBeTruthy()
    expect(within(items[0]!).getByText('default')).toBeTruthy()
    expect(items[0]!.textContent).toContain('anthropic/claude')
    expect(within(items[1]!).queryByText('default')).toBeNull()
  })

  it('says so when no agents are configured', async () => {
    await renderAt('/agents', { Agents: () => answers.data({ agents: [] }) })
    expect(await screen.findByText('No agents are configured in openclaw.json.')).toBeTruthy()
  })

  it('shows an agent’s goal, files and memory notes newest first, and opens a file', async () => {
    const { server } = await renderAt('/agents/main')
    await screen.findByRole('heading', { name: /Iris/, level: 1 })
    expect(within(screen.getByRole('region', { name: 'Goal' })).getByText('Nexus').tagName).toBe('STRONG') // the goal, rendered Markdown
    const notes = within(screen.getByRole('list', { name: 'Memory notes' })).getAllByRole('link')
    expect(notes.map((n) => n.textContent)).toEqual(['2030-01-03', '2030-01-01'])

    await fireEvent.click(within(screen.getByRole('list', { name: 'Files' })).getByRole('link', { name: 'SOUL.md' }))
    expect(await screen.findByRole('heading', { name: 'Soul' })).toBeTruthy()
    expect(server.calls.find((c) => c.operation === 'AgentFile')?.variables).toEqual({ id: 'main', name: 'SOUL.md' })
  })

  it('lists the changes made through Nexus to the agent’s files, each opening its file', async () => {
    await renderAt('/agents/main')
    const changes = await screen.findByRole('list', { name: 'Changes through Nexus' })
    expect(within(changes).getByRole('link', { name: 'Updated SOUL.md of main' }).getAttribute('href')).toBe('/agents/main?file=SOUL.md')
  })

  it('links to the agent’s open tasks on the tasks page', async () => {
    await renderAt('/agents/main')
    await screen.findByRole('heading', { name: /Iris/, level: 1 })
    expect(screen.getByRole('link', { name: 'Open tasks of Iris' }).getAttribute('href')).toBe('/tasks?assignee=main&state=open')
  })

  it('refetches the agent on workspace changes that concern it, not on others', async () => {
    const { server } = await renderAt('/agents/main')
    await screen.findByRole('heading', { name: /Iris/, level: 1 })
    await subscribed('WorkspaceChanged')

    FakeWebSocket.emit('WorkspaceChanged', { workspaceChanged: { kind: 'MEMORY', agentId: 'bolt', path: 'MEMORY.md' } })
    FakeWebSocket.emit('WorkspaceChanged', { workspaceChanged: { kind: 'DOC', agentId: null, path: 'a.md' } })
    await new Promise((r) => setTimeout(r, 500))
    expect(server.count('Agent')).toBe(1)

    FakeWebSocket.emit('WorkspaceChanged', { workspaceChanged: { kind: 'MEMORY', agentId: 'main', path: 'memory/2030-01-04.md' } })
    await waitFor(() => expect(server.count('Agent')).toBe(2), { timeout: 2000 })
  })

  it('searches the agent’s memory and lists the hits', async () => {
    const { server } = await renderAt('/agents/main', {
      MemorySearch: () => answers.data({ memorySearch: [{ agentId: 'main', file: 'MEMORY.md', line: 3, snippet: 'likes tea' }] }),
    })
    await screen.findByRole('heading', { name: /Iris/, level: 1 })
    await fireEvent.update(screen.getByLabelText('Text to find in memory'), ' tea ')
    await fireEvent.click(screen.getByRole('button', { name: 'Search' }))
    const results = await screen.findByRole('list', { name: 'Memory search results' })
    expect(results.textContent).toContain('MEMORY.md:3')
    expect(results.textContent).toContain('likes tea')
    expect(server.calls.find((c) => c.operation === 'MemorySearch')?.variables).toEqual({ query: 'tea', agentId: 'main', first: 20 })
  })
})

/** A workspace file on a fake disk: reads answer its current content and hash. */
function fakeFile(content: string, hash: string) {
  const disk = { content, hash }
  const handler: Handler = (call) =>
    answers.data({
      agent: {
        id: 'main',
        file: { name: call.variables?.name, content: disk.content, size: disk.content.length, modifiedAt: '2030-01-01T00:00:00Z', hash: disk.hash },
      },
    })
  return { disk, handler }
}

const savedFile = (content: string, hash: string): Handler => (call) => {
  const input = call.variables?.input as { name: string }
  return answers.data({ updateAgentFile: { file: { name: input.name, content, size: content.length, modifiedAt: '2030-01-02T00:00:00Z', hash } } })
}

async function openEditor() {
  await fireEvent.click(await screen.findByRole('button', { name: 'Edit' }))
  return screen.getByRole<HTMLTextAreaElement>('textbox', { name: 'Content of SOUL.md' })
}

describe('editing an agent file', () => {
  it('saves with the expectedHash of the version shown and shows the new content', async () => {
    const soul = fakeFile('# Soul\n\nBe kind.', 'h1')
    const { server } = await renderAt('/agents/main?file=SOUL.md', {
      AgentFile: soul.handler,
      UpdateAgentFile: (call) => {
        soul.disk.content = (call.variables?.input as { content: string }).content
        soul.disk.hash = 'h2'
        return savedFile(soul.disk.content, 'h2')(call)
      },
    })
    const field = await openEditor()
    expect(field.value).toBe('# Soul\n\nBe kind.')
    await fireEvent.update(field, '# Soul\n\nBe bold.')
    await fireEvent.click(screen.getByRole('button', { name: 'Save' }))

    const file = screen.getByRole('region', { name: 'SOUL.md' })
    expect(await within(file).findByText('Be bold.')).toBeTruthy()
    expect(within(file).queryByRole('textbox')).toBeNull()
    expect(within(file).getByRole('button', { name: 'Edit' })).toBeTruthy()
    expect(server.calls.find((c) => c.operation === 'UpdateAgentFile')?.variables).toEqual({
      input: { agentId: 'main', name: 'SOUL.md', content: '# Soul\n\nBe bold.', expectedHash: 'h1' },
    })
    await waitFor(() => expect(server.count('Agent')).toBe(2)) // the file list (size, hash) follows
  })

  it('keeps the draft on a CONFLICT and offers to reload, then saves against the reloaded version', async () => {
    const soul = fakeFile('# Soul\n\nBe kind.', 'h1')
    let refuse = true
    const { server } = await renderAt('/agents/main?file=SOUL.md', {
      AgentFile: soul.handler,
      UpdateAgentFile: (call) =>
        refuse
          ? answers.error('CONFLICT', { currentHash: 'h2' }, 'SOUL.md changed since it was read.')
          : savedFile('# Soul\n\nMy draft.', 'h3')(call),
    })
    const field = await openEditor()
    await fireEvent.update(field, '# Soul\n\nMy draft.')
    soul.disk.content = '# Soul\n\nBe wise.' // an agent writes the file meanwhile
    soul.disk.hash = 'h2'
    await fireEvent.click(screen.getByRole('button', { name: 'Save' }))

    const alert = await screen.findByRole('alert')
    expect(alert.textContent).toContain('SOUL.md changed meanwhile')
    expect(screen.getByRole<HTMLTextAreaElement>('textbox', { name: 'Content of SOUL.md' }).value).toBe('# Soul\n\nMy draft.')

    await fireEvent.click(within(alert).getByRole('button', { name: 'Reload' }))
    const current = await screen.findByText('The current version on disk')
    expect(within(current.closest('details')!).getByText('Be wise.')).toBeTruthy()
    expect(server.count('AgentFile')).toBe(2)
    expect(screen.getByRole<HTMLTextAreaElement>('textbox', { name: 'Content of SOUL.md' }).value).toBe('# Soul\n\nMy draft.')
    expect(screen.queryByText(/changed meanwhile/)).toBeNull()

    refuse = false
    await fireEvent.click(screen.getByRole('button', { name: 'Save' }))
    await waitFor(() => expect(screen.queryByRole('textbox', { name: 'Content of SOUL.md' })).toBeNull())
    const saves = server.calls.filter((c) => c.operation === 'UpdateAgentFile')
    expect(saves.map((c) => (c.variables?.input as { expectedHash: string }).expectedHash)).toEqual(['h1', 'h2'])
  })

  it('says when the file changed on disk while it is being edited, before saving', async () => {
    const soul = fakeFile('# Soul\n\nBe kind.', 'h1')
    const { server } = await renderAt('/agents/main?file=SOUL.md', { AgentFile: soul.handler })
    const field = await openEditor()
    await fireEvent.update(field, 'draft')
    await subscribed('WorkspaceChanged')
    soul.disk.hash = 'h2'
    FakeWebSocket.emit('WorkspaceChanged', { workspaceChanged: { kind: 'AGENT_FILE', agentId: 'main', path: 'SOUL.md' } })
    expect((await screen.findByRole('alert', {}, { timeout: 2000 })).textContent).toContain('changed meanwhile')
    expect(server.count('AgentFile')).toBe(2)
    expect(screen.getByRole<HTMLTextAreaElement>('textbox', { name: 'Content of SOUL.md' }).value).toBe('draft')
  })

  it('shows the server’s message when it refuses the content as BAD_USER_INPUT', async () => {
    await renderAt('/agents/main?file=SOUL.md', {
      UpdateAgentFile: () => answers.error('BAD_USER_INPUT', {}, 'The content is larger than 1048576 bytes.'),
    })
    await fireEvent.update(await openEditor(), 'x'.repeat(100))
    await fireEvent.click(screen.getByRole('button', { name: 'Save' }))
    const alert = await screen.findByRole('alert')
    expect(alert.textContent).toContain('The content is larger than 1048576 bytes.')
    expect(alert.textContent).toContain('BAD_USER_INPUT')
    expect(screen.getByRole<HTMLTextAreaElement>('textbox', { name: 'Content of SOUL.md' }).value).toBe('x'.repeat(100))
  })

  it('discards the draft on Cancel without saving', async () => {
    const { server } = await renderAt('/agents/main?file=SOUL.md')
    await fireEvent.update(await openEditor(), 'never saved')
    await fireEvent.click(screen.getByRole('button', { name: 'Cancel' }))
    expect(screen.queryByRole('textbox')).toBeNull()
    expect(screen.getByText('Be kind.')).toBeTruthy()
    expect(server.count('UpdateAgentFile')).toBe(0)
    expect((await openEditor()).value).toBe('# Soul\n\nBe kind.')
  })

  it('asks before opening another file over unsaved changes', async () => {
    const { router } = await renderAt('/agents/main?file=SOUL.md')
    await fireEvent.update(await openEditor(), 'unsaved')
    const confirm = vi.fn(() => false)
    vi.stubGlobal('confirm', confirm)
    await fireEvent.click(within(screen.getByRole('list', { name: 'Files' })).getByRole('link', { name: 'GOAL.md' }))
    await waitFor(() => expect(confirm).toHaveBeenCalledWith('Discard your unsaved changes to SOUL.md?'))
    expect(router.currentRoute.value.fullPath).toBe('/agents/main?file=SOUL.md')
    expect(screen.getByRole<HTMLTextAreaElement>('textbox', { name: 'Content of SOUL.md' }).value).toBe('unsaved')

    confirm.mockReturnValue(true)
    await fireEvent.click(within(screen.getByRole('list', { name: 'Files' })).getByRole('link', { name: 'GOAL.md' }))
    await waitFor(() => expect(router.currentRoute.value.fullPath).toBe('/agents/main?file=GOAL.md'))
  })

  it('creates a file that does not exist yet with expectedHash null', async () => {
    const { server } = await renderAt('/agents/main?file=GOAL.md', {
      AgentFile: () => answers.error('NOT_FOUND', {}, 'GOAL.md does not exist.'),
      UpdateAgentFile: savedFile('Ship it', 'h9'),
    })
    expect(await screen.findByText('This file does not exist yet.')).toBeTruthy()
    await fireEvent.click(screen.getByRole('button', { name: 'Create' }))
    await fireEvent.update(screen.getByRole('textbox', { name: 'Content of GOAL.md' }), 'Ship it')
    await fireEvent.click(screen.getByRole('button', { name: 'Save' }))
    expect(await within(screen.getByRole('region', { name: 'GOAL.md' })).findByText('Ship it')).toBeTruthy()
    expect(server.calls.find((c) => c.operation === 'UpdateAgentFile')?.variables).toEqual({
      input: { agentId: 'main', name: 'GOAL.md', content: 'Ship it', expectedHash: null },
    })
  })

  it('offers a viewer no Edit button', async () => {
    await renderAt('/agents/main?file=SOUL.md', {
      RefreshSession: () => answers.data({ refreshSession: { ...sessionPayload('tok'), user: { ...OWNER, role: 'VIEWER' } } }),
    })
    const file = await screen.findByRole('region', { name: 'SOUL.md' })
    expect(await within(file).findByText('Be kind.')).toBeTruthy()
    expect(screen.queryByRole('button', { name: 'Edit' })).toBeNull()
  })
})

describe('the team’s memory search', () => {
  const HITS = [
    { agentId: 'main', file: 'MEMORY.md', line: 3, snippet: 'likes tea' },
    { agentId: 'bolt', file: 'memory/2030-01-03.md', line: 7, snippet: 'tea break at noon' },
  ]

  it('searches every agent’s memory, keeps the text in the URL and links each hit to its file or note', async () => {
    const { server, router } = await renderAt('/agents', { MemorySearch: () => answers.data({ memorySearch: HITS }) })
    await screen.findByRole('list', { name: 'Team' })
    await fireEvent.update(screen.getByLabelText('Text to find in every agent’s memory'), ' tea ')
    await fireEvent.click(screen.getByRole('button', { name: 'Search' }))

    const results = await screen.findByRole('list', { name: 'Team memory search results' })
    const items = within(results).getAllByRole('listitem')
    expect(items[0]!.textContent).toContain('Iris')
    expect(items[0]!.textContent).toContain('likes tea')
    expect(within(items[0]!).getByRole('link', { name: 'MEMORY.md:3' }).getAttribute('href')).toBe('/agents/main?file=MEMORY.md')
    expect(items[1]!.textContent).toContain('Bolt')
    expect(within(items[1]!).getByRole('link', { name: 'memory/2030-01-03.md:7' }).getAttribute('href')).toBe(
      '/agents/bolt?note=2030-01-03',
    )
    expect(router.currentRoute.value.fullPath).toBe('/agents?q=tea')
    const call = server.calls.find((c) => c.operation === 'MemorySearch')
    expect(call?.variables).toEqual({ query: 'tea', first: 50 })
    expect(call?.variables).not.toHaveProperty('agentId')
  })

  it('runs the search in the URL on arrival and says when nothing matches', async () => {
    const { server } = await renderAt('/agents?q=coffee', { MemorySearch: () => answers.data({ memorySearch: [] }) })
    expect(await screen.findByText('No agent’s memory mentions “coffee”.')).toBeTruthy()
    expect(screen.getByLabelText<HTMLInputElement>('Text to find in every agent’s memory').value).toBe('coffee')
    expect(server.calls.find((c) => c.operation === 'MemorySearch')?.variables).toEqual({ query: 'coffee', first: 50 })
  })

  it('shows a failed search with a retry button', async () => {
    await renderAt('/agents?q=tea', { MemorySearch: () => answers.error('RATE_LIMITED', {}, 'Slow down.') })
    const alert = await screen.findByRole('alert')
    expect(alert.textContent).toContain('Slow down.')
    expect(within(alert).getByRole('button', { name: 'Retry' })).toBeTruthy()
  })

  it('searches again on MEMORY changes', async () => {
    const { server } = await renderAt('/agents?q=tea', { MemorySearch: () => answers.data({ memorySearch: HITS }) })
    await screen.findByRole('list', { name: 'Team memory search results' })
    await subscribed('WorkspaceChanged')
    FakeWebSocket.emit('WorkspaceChanged', { workspaceChanged: { kind: 'MEMORY', agentId: 'bolt', path: 'memory/2030-01-04.md' } })
    await waitFor(() => expect(server.count('MemorySearch')).toBe(2), { timeout: 2000 })
  })
})
