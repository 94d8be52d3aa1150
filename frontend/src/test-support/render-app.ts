/**
 * Renders the whole dashboard app, signed in, at a path against the fake API (page tests).
 */
import { cleanup, fireEvent, render, screen, within } from '@testing-library/vue'
import { createPinia } from 'pinia'
import { expect, vi } from 'vitest'
import { createMemoryHistory, type Router } from 'vue-router'
import { FakeWebSocket, answers, fakeGraphQLServer, type Handler, type Outage } from './fake-api'

export const STATUS = { version: '9.9.9', startedAt: '2030-01-01T00:00:00Z', uptimeSeconds: 42, now: '2030-01-01T00:00:42Z' }

/** The team the agent-id suggestions list (`AgentIdList.vue`). */
export const TEAM = [
  { id: 'main', name: 'Iris', emoji: '🌈' },
  { id: 'ops', name: 'Bolt', emoji: null },
]

export interface RenderedApp {
  server: ReturnType<typeof fakeGraphQLServer>
  router: Router
  api: typeof import('@/api/client')
}

export async function renderSignedIn(path: string, handlers: Record<string, Handler>): Promise<RenderedApp> {
  vi.stubGlobal('WebSocket', FakeWebSocket)
  FakeWebSocket.autoNext = false
  const server = fakeGraphQLServer({
    ServerStatus: () => answers.data({ serverStatus: STATUS }),
    RefreshSession: () => answers.session('refreshSession', 'tok'),
    AgentIds: () => answers.data({ agents: TEAM }),
    ...handlers,
  })
  vi.resetModules() // fresh client module: no token or socket from an earlier test
  const api = await import('@/api/client')
  const { default: App } = await import('@/App.vue')
  const { createAppRouter } = await import('@/router')
  const pinia = createPinia()
  const router = createAppRouter(pinia, createMemoryHistory())
  render(App, { global: { plugins: [pinia, router] } })
  await router.push(path)
  await router.isReady()
  return { server, router, api }
}

/** After each page test: unmounts the app and undoes what `renderSignedIn` set up (the
 *  subscription client, the stubbed globals, the fake sockets). */
export function tearDownPage(app: RenderedApp | undefined): void {
  cleanup()
  app?.api.resetSubscriptionClient()
  vi.unstubAllGlobals()
  FakeWebSocket.reset()
}

/** Waits until the fake socket has an open subscription named `operation`. */
export async function subscribed(operation: string): Promise<void> {
  await vi.waitFor(() => {
    if (!FakeWebSocket.subscriptions.some((s) => s.operation === operation && s.socket.readyState === FakeWebSocket.OPEN)) {
      throw new Error(`not subscribed to ${operation}`)
    }
  })
}

/** The page names the outage in an alert; once the server is back, the alert's Retry button
 *  brings back the content `shown` finds. */
export async function expectRetryAfterOutage(down: Outage, shown: () => Promise<HTMLElement>): Promise<void> {
  const alert = await screen.findByRole('alert')
  expect(alert.textContent).toContain('database down')
  down.recover()
  await fireEvent.click(within(alert).getByRole('button', { name: 'Retry' }))
  expect(await shown()).toBeTruthy()
}
