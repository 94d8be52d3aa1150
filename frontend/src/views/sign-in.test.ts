/**
 * The dashboard's sign-in flow through the DOM, by role and label: the guard, the sign-in page's
 * messages, the user menu, and leaving when the session ends. The API is a mocked fetch.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { cleanup, fireEvent, render, screen, waitFor } from '@testing-library/vue'
import { createPinia } from 'pinia'
import { createMemoryHistory, type Router } from 'vue-router'
import { FakeWebSocket, answers, fakeGraphQLServer, type Handler } from '@/test-support/fake-api'

const STATUS = { version: '9.9.9', startedAt: '2030-01-01T00:00:00Z', uptimeSeconds: 42, now: '2030-01-01T00:00:42Z' }

let router: Router
let api: typeof import('@/api/client')

/** Renders the whole app at `path` against a fake server. */
async function renderApp(path: string, handlers: Record<string, Handler>) {
  const server = fakeGraphQLServer({ ServerStatus: () => answers.data({ serverStatus: STATUS }), ...handlers })
  vi.resetModules() // fresh client module: no token from an earlier test
  api = await import('@/api/client')
  const { default: App } = await import('@/App.vue')
  const { createAppRouter } = await import('@/router')
  const pinia = createPinia()
  router = createAppRouter(pinia, createMemoryHistory())
  render(App, { global: { plugins: [pinia, router] } })
  await router.push(path)
  await router.isReady()
  return server
}

async function signIn(username: string, password: string) {
  await fireEvent.update(screen.getByLabelText('Username'), username)
  await fireEvent.update(screen.getByLabelText('Password'), password)
  await fireEvent.click(screen.getByRole('button', { name: 'Sign in' }))
}

beforeEach(() => {
  vi.stubGlobal('WebSocket', FakeWebSocket)
})

afterEach(() => {
  cleanup()
  api?.resetSubscriptionClient()
  vi.useRealTimers()
  vi.unstubAllGlobals()
  FakeWebSocket.reset()
})

describe('signing in', () => {
  it('sends a visitor without a session to the sign-in page', async () => {
    await renderApp('/', { RefreshSession: () => answers.error('UNAUTHENTICATED', { reason: 'SESSION_ENDED' }) })

    await screen.findByRole('heading', { name: 'Sign in to Nexus' })
    expect(router.currentRoute.value.name).toBe('sign-in')
    expect(screen.queryByRole('button', { name: /Owner/ })).toBeNull()
  })

  it('keeps a visitor whose refresh cookie is still valid on the dashboard', async () => {
    await renderApp('/', { RefreshSession: () => answers.session('refreshSession', 'tok') })

    await screen.findByRole('heading', { name: 'Server status' })
    expect(router.currentRoute.value.name).toBe('dashboard')
    expect(await screen.findByText('9.9.9')).toBeTruthy()
  })

  it('signs in with the form and shows the dashboard and the user menu with name and role', async () => {
    const server = await renderApp('/', {
      RefreshSession: () => answers.error('UNAUTHENTICATED', { reason: 'SESSION_ENDED' }),
      Login: () => answers.session('login', 'tok'),
    })
    await screen.findByRole('heading', { name: 'Sign in to Nexus' })

    await signIn(' owner ', 'correct horse')

    await screen.findByRole('heading', { name: 'Server status' })
    expect(server.calls.find((c) => c.operation === 'Login')?.variables).toEqual({
      input: { username: 'owner', password: 'correct horse' },
    })
    const menu = screen.getByRole('button', { name: /Owner/ })
    expect(menu.textContent).toContain('Owner')
    expect(menu.getAttribute('aria-expanded')).toBe('false')
  })

  it('shows the server message for a wrong password, clears the password and keeps the username', async () => {
    await renderApp('/sign-in', {
      RefreshSession: () => answers.error('UNAUTHENTICATED', { reason: 'SESSION_ENDED' }),
      Login: () => answers.error('UNAUTHENTICATED', { reason: 'INVALID_CREDENTIALS' }, 'Invalid username or password.'),
    })
    await screen.findByRole('heading', { name: 'Sign in to Nexus' })

    await signIn('owner', 'wrong')

    expect((await screen.findByRole('alert')).textContent).toBe('Invalid username or password.')
    expect((screen.getByLabelText('Username') as HTMLInputElement).value).toBe('owner')
    expect((screen.getByLabelText('Password') as HTMLInputElement).value).toBe('')
    expect(screen.getByLabelText('Password').getAttribute('aria-invalid')).toBe('true')
    expect(document.activeElement).toBe(screen.getByLabelText('Password'))
  })

  it('shows the retry time of a RATE_LIMITED answer and blocks the button until it has passed', async () => {
    await renderApp('/sign-in', {
      RefreshSession: () => answers.error('UNAUTHENTICATED', { reason: 'SESSION_ENDED' }),
      Login: () => answers.error('RATE_LIMITED', { retryAfterSeconds: 3 }, 'Too many sign-in attempts; retry in 3 s.'),
    })
    await screen.findByRole('heading', { name: 'Sign in to Nexus' })

    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] })
    await signIn('owner', 'pw')
    const alert = await screen.findByRole('alert')

    expect(alert.textContent).toBe('Too many sign-in attempts. Try again in 3 s.')
    const button = screen.getByRole('button', { name: 'Sign in' }) as HTMLButtonElement
    expect(button.disabled).toBe(true)
    await vi.advanceTimersByTimeAsync(1000)
    expect(alert.textContent).toBe('Too many sign-in attempts. Try again in 2 s.')
    await vi.advanceTimersByTimeAsync(2000)
    expect(alert.textContent).toBe('Too many sign-in attempts. You can try again now.')
    expect(button.disabled).toBe(false)
  })

  it('shows a loading state while the server checks the password', async () => {
    let answer: (value: ReturnType<Handler>) => void = () => {}
    await renderApp('/sign-in', {
      RefreshSession: () => answers.error('UNAUTHENTICATED', { reason: 'SESSION_ENDED' }),
      Login: () => new Promise((resolve) => (answer = resolve)),
    })
    await screen.findByRole('heading', { name: 'Sign in to Nexus' })

    await signIn('owner', 'pw')

    const busy = await screen.findByRole('button', { name: 'Signing in…' })
    expect((busy as HTMLButtonElement).disabled).toBe(true)
    expect((screen.getByLabelText('Password') as HTMLInputElement).disabled).toBe(true)
    answer(answers.session('login', 'tok'))
    await screen.findByRole('heading', { name: 'Server status' })
  })

  it('returns to the page asked for, but never to another site', async () => {
    const { safeRedirect } = await import('@/router')
    expect(safeRedirect('/agents?x=1')).toBe('/agents?x=1')
    expect(safeRedirect('//evil.example/')).toBe('/')
    expect(safeRedirect('https://evil.example/')).toBe('/')
    expect(safeRedirect('/\\evil.example')).toBe('/')
    expect(safeRedirect(undefined)).toBe('/')
  })
})

describe('signing out and ending sessions', () => {
  it('signs out from the user menu and lands on the sign-in page', async () => {
    const server = await renderApp('/', {
      RefreshSession: () => answers.session('refreshSession', 'tok'),
      Logout: () => answers.data({ logout: { ok: true } }),
    })
    await fireEvent.click(await screen.findByRole('button', { name: /Owner/ }))

    await fireEvent.click(screen.getByRole('button', { name: 'Sign out' }))

    await screen.findByRole('heading', { name: 'Sign in to Nexus' })
    expect(server.count('Logout')).toBe(1)
    expect(screen.getByRole('status').textContent).toContain('You have signed out.')
  })

  it('does not show a page whose code was still loading when the session ended', async () => {
    // A sign-out (or a refused refresh) while the first page is still loading: the guard at the
    // start of the navigation saw a session, the page must still not be shown without one.
    fakeGraphQLServer({
      ServerStatus: () => answers.data({ serverStatus: STATUS }),
      RefreshSession: () => answers.session('refreshSession', 'tok'),
      Logout: () => answers.data({ logout: { ok: true } }),
    })
    vi.resetModules()
    api = await import('@/api/client')
    const { default: App } = await import('@/App.vue')
    const { createAppRouter } = await import('@/router')
    const pinia = createPinia()
    router = createAppRouter(pinia, createMemoryHistory())
    // Registered after the app's own guard, so it runs once that guard has let the navigation on.
    router.beforeEach(async () => {
      if (api.currentUser()) await api.logout()
    })
    render(App, { global: { plugins: [pinia, router] } })

    await router.push('/tasks?state=REVIEW')

    expect(router.currentRoute.value.name).toBe('sign-in')
    expect(router.currentRoute.value.query.redirect).toBe('/tasks?state=REVIEW')
    await screen.findByRole('heading', { name: 'Sign in to Nexus' })
  })

  it('goes to the sign-in page and says why when the server refuses to refresh the session', async () => {
    let refreshes = 0
    await renderApp('/', {
      RefreshSession: () =>
        ++refreshes === 1
          ? answers.session('refreshSession', 'tok')
          : answers.error('UNAUTHENTICATED', { reason: 'SESSION_REVOKED' }),
    })
    await screen.findByRole('heading', { name: 'Server status' })

    await api.refreshSession()

    await screen.findByRole('heading', { name: 'Sign in to Nexus' })
    await waitFor(() => expect(screen.getByRole('status').textContent).toContain('Your session has ended'))
  })
})
