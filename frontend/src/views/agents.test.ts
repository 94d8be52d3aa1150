/**
 * The agents pages through the DOM: the team, one agent's goal, files, file content and memory,
 * and live refetches on workspaceChanged.
 */
import { afterEach, describe, expect, it, vi } from 'vitest'
import { cleanup, fireEvent, screen, waitFor, within } from '@testing-library/vue'
import { FakeWebSocket, answers, type Handler } from '@/test-support/fake-api'
import { renderSignedIn, subscribed, type RenderedApp } from '@/test-support/render-app'

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
  cleanup()
  app?.api.resetSubscriptionClient()
  app = undefined
  vi.unstubAllGlobals()
  FakeWebSocket.reset()
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
