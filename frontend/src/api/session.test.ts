/**
 * The session logic of `@/api/client`: the in-memory access token, scheduled refreshes, the
 * TOKEN_EXPIRED retry, the REFRESH_RACE retry and the end of a session — against a mocked fetch.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { FakeWebSocket, OWNER, answers, fakeGraphQLServer } from '@/test-support/fake-api'

type Client = typeof import('./client')
let api: Client

const MINUTE = 60_000

beforeEach(async () => {
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date'] })
  vi.setSystemTime(new Date('2030-01-01T12:00:00Z'))
  vi.resetModules() // a fresh module: no token, no timers, no listeners
  api = await import('./client')
  localStorage.clear()
  sessionStorage.clear()
})

afterEach(() => {
  api.resetSubscriptionClient()
  vi.useRealTimers()
  vi.unstubAllGlobals()
  FakeWebSocket.reset()
})

describe('session', () => {
  it('restores the session from the refresh cookie on start and sends its token as a bearer header', async () => {
    const server = fakeGraphQLServer({
      RefreshSession: () => answers.session('refreshSession', 'tok-1'),
      Me: () => answers.data({ me: { username: 'owner' } }),
    })

    const user = await api.restoreSession()
    await api.gql('query Me { me { username } }')

    expect(user).toEqual(OWNER)
    expect(server.calls[0]?.operation).toBe('RefreshSession')
    expect(server.calls[0]?.authorization).toBeNull()
    expect(server.fetchMock.mock.calls[0]?.[1]?.credentials).toBe('same-origin')
    expect(server.calls[1]?.authorization).toBe('Bearer tok-1')
  })

  it('treats a visitor without a refresh cookie as signed out without announcing an ended session', async () => {
    fakeGraphQLServer({
      RefreshSession: () => answers.error('UNAUTHENTICATED', { reason: 'SESSION_ENDED' }),
    })
    const changes: unknown[] = []
    api.onSessionChange((c) => changes.push(c))

    await expect(api.restoreSession()).resolves.toBeNull()

    expect(api.getAccessToken()).toBeNull()
    expect(changes).toEqual([])
  })

  it('never writes the access token to localStorage or sessionStorage', async () => {
    fakeGraphQLServer({ Login: () => answers.session('login', 'secret-token') })
    const setItem = vi.spyOn(Storage.prototype, 'setItem')

    await api.login('owner', 'pw')

    expect(api.getAccessToken()).toBe('secret-token')
    expect(setItem).not.toHaveBeenCalled()
    expect(localStorage.length + sessionStorage.length).toBe(0)
    expect(document.cookie).not.toContain('secret-token')
    setItem.mockRestore()
  })

  it('schedules a refresh 60 seconds before the access token expires and uses the new token afterwards', async () => {
    const server = fakeGraphQLServer({
      Login: () => answers.session('login', 'tok-1', 15 * MINUTE),
      RefreshSession: () => answers.session('refreshSession', 'tok-2', 15 * MINUTE),
      Me: () => answers.data({ me: { username: 'owner' } }),
    })
    await api.login('owner', 'pw')

    await vi.advanceTimersByTimeAsync(14 * MINUTE - 1_000)
    expect(server.count('RefreshSession')).toBe(0)
    await vi.advanceTimersByTimeAsync(1_000)
    expect(server.count('RefreshSession')).toBe(1)

    await api.gql('query Me { me { username } }')
    expect(server.calls.at(-1)?.authorization).toBe('Bearer tok-2')

    // …and the next one is scheduled for the new token.
    await vi.advanceTimersByTimeAsync(14 * MINUTE)
    expect(server.count('RefreshSession')).toBe(2)
  })

  it('refreshes a short-lived token halfway through its life rather than at once', () => {
    const now = Date.now()
    expect(api.refreshDelay(now + 15 * MINUTE, now)).toBe(14 * MINUTE)
    expect(api.refreshDelay(now + 30_000, now)).toBe(15_000)
    expect(api.refreshDelay(now - 1_000, now)).toBe(api.MIN_REFRESH_DELAY_MS)
  })

  it('refreshes once and retries a request the server refused with TOKEN_EXPIRED', async () => {
    const server = fakeGraphQLServer({
      Login: () => answers.session('login', 'old'),
      RefreshSession: () => answers.session('refreshSession', 'new'),
      Me: (call) => (call.authorization === 'Bearer new' ? answers.data({ me: { username: 'owner' } }) : answers.tokenExpired()),
    })
    await api.login('owner', 'pw')

    const data = await api.gql<{ me: { username: string } }>('query Me { me { username } }')

    expect(data.me.username).toBe('owner')
    expect(server.calls.map((c) => [c.operation, c.authorization])).toEqual([
      ['Login', null],
      ['Me', 'Bearer old'],
      ['RefreshSession', null],
      ['Me', 'Bearer new'],
    ])
  })

  it('shares one refresh among concurrent requests whose token expired', async () => {
    const server = fakeGraphQLServer({
      Login: () => answers.session('login', 'old'),
      RefreshSession: () => answers.session('refreshSession', 'new'),
      default: (call) => (call.authorization === 'Bearer new' ? answers.data({ ok: true }) : answers.tokenExpired()),
    })
    await api.login('owner', 'pw')

    await Promise.all([api.gql('query A { a }'), api.gql('query B { b }'), api.gql('query C { c }')])

    expect(server.count('RefreshSession')).toBe(1)
    expect(server.calls.filter((c) => c.authorization === 'Bearer new')).toHaveLength(3)
  })

  it('retries a request only once, returning the error when the fresh token is refused too', async () => {
    const server = fakeGraphQLServer({
      Login: () => answers.session('login', 'old'),
      RefreshSession: () => answers.session('refreshSession', 'new'),
      Me: () => answers.tokenExpired(),
    })
    await api.login('owner', 'pw')

    const error = (await api.gql('query Me { me { id } }').catch((e: unknown) => e)) as InstanceType<Client['GraphQLRequestError']>

    expect(error.code).toBe('UNAUTHENTICATED')
    expect(error.reason).toBe('TOKEN_EXPIRED')
    expect(server.count('Me')).toBe(2)
    expect(server.count('RefreshSession')).toBe(1)
  })

  it('does not refresh for errors other than a refused token', async () => {
    const server = fakeGraphQLServer({
      Login: () => answers.session('login', 'tok'),
      Users: () => answers.error('FORBIDDEN', {}, 'This needs the OWNER role.'),
    })
    await api.login('owner', 'pw')

    await expect(api.gql('query Users { users { totalCount } }')).rejects.toMatchObject({ code: 'FORBIDDEN' })
    expect(server.count('RefreshSession')).toBe(0)
    expect(server.count('Users')).toBe(1)
  })

  it('waits a moment and retries once when another tab won the refresh race', async () => {
    let refreshes = 0
    const server = fakeGraphQLServer({
      Login: () => answers.session('login', 'tok-1'),
      RefreshSession: () =>
        ++refreshes === 1
          ? answers.error('CONFLICT', { reason: 'REFRESH_RACE' })
          : answers.session('refreshSession', 'tok-2'),
    })
    await api.login('owner', 'pw')

    const refreshed = api.refreshSession()
    await vi.advanceTimersByTimeAsync(api.REFRESH_RACE_RETRY_MS - 1)
    expect(server.count('RefreshSession')).toBe(1)
    await vi.advanceTimersByTimeAsync(1)

    await expect(refreshed).resolves.toEqual(OWNER)
    expect(server.count('RefreshSession')).toBe(2)
    expect(api.getAccessToken()).toBe('tok-2')
  })

  it('ends the session when the refresh race repeats after the retry', async () => {
    const server = fakeGraphQLServer({
      Login: () => answers.session('login', 'tok-1'),
      RefreshSession: () => answers.error('CONFLICT', { reason: 'REFRESH_RACE' }),
    })
    await api.login('owner', 'pw')

    const refreshed = api.refreshSession()
    await vi.advanceTimersByTimeAsync(api.REFRESH_RACE_RETRY_MS)

    await expect(refreshed).resolves.toBeNull()
    expect(server.count('RefreshSession')).toBe(2)
    expect(api.getAccessToken()).toBeNull()
  })

  it('signs out and announces the end when the server refuses to refresh', async () => {
    fakeGraphQLServer({
      Login: () => answers.session('login', 'old'),
      RefreshSession: () => answers.error('UNAUTHENTICATED', { reason: 'SESSION_REVOKED' }),
      Me: () => answers.tokenExpired(),
    })
    const changes: unknown[] = []
    api.onSessionChange((c) => changes.push(c))
    await api.login('owner', 'pw')

    await expect(api.gql('query Me { me { id } }')).rejects.toMatchObject({ code: 'UNAUTHENTICATED' })

    expect(api.getAccessToken()).toBeNull()
    expect(api.currentUser()).toBeNull()
    expect(changes).toEqual([
      { type: 'started', user: OWNER },
      { type: 'ended', reason: 'expired' },
    ])
  })

  it('signs out when a scheduled refresh is refused, and stops scheduling', async () => {
    const server = fakeGraphQLServer({
      Login: () => answers.session('login', 'tok', 2 * MINUTE),
      RefreshSession: () => answers.error('UNAUTHENTICATED', { reason: 'SESSION_ENDED' }),
    })
    const ended = vi.fn()
    api.onSessionChange((c) => c.type === 'ended' && ended(c.reason))
    await api.login('owner', 'pw')

    await vi.advanceTimersByTimeAsync(MINUTE)

    expect(ended).toHaveBeenCalledWith('expired')
    await vi.advanceTimersByTimeAsync(30 * MINUTE)
    expect(server.count('RefreshSession')).toBe(1)
  })

  it('keeps the session and tries again later when a scheduled refresh cannot reach the server', async () => {
    let reachable = false
    const server = fakeGraphQLServer({
      Login: () => answers.session('login', 'tok-1', 2 * MINUTE),
      RefreshSession: () => (reachable ? answers.session('refreshSession', 'tok-2') : new TypeError('Failed to fetch')),
    })
    await api.login('owner', 'pw')

    await vi.advanceTimersByTimeAsync(MINUTE)
    expect(server.count('RefreshSession')).toBe(1)
    expect(api.getAccessToken()).toBe('tok-1')

    reachable = true
    await vi.advanceTimersByTimeAsync(api.REFRESH_RETRY_MS)
    expect(server.count('RefreshSession')).toBe(2)
    expect(api.getAccessToken()).toBe('tok-2')
  })

  it('reports an unreachable server on restore as an error instead of a missing session', async () => {
    fakeGraphQLServer({ RefreshSession: () => new TypeError('Failed to fetch') })

    await expect(api.restoreSession()).rejects.toMatchObject({ code: 'NETWORK_ERROR' })
  })

  it('signs out on the server and forgets the token even when the server cannot be reached', async () => {
    const server = fakeGraphQLServer({
      Login: () => answers.session('login', 'tok'),
      Logout: () => new TypeError('Failed to fetch'),
    })
    const ended = vi.fn()
    api.onSessionChange((c) => c.type === 'ended' && ended(c.reason))
    await api.login('owner', 'pw')

    await expect(api.logout()).resolves.toBe(false)

    expect(server.count('Logout')).toBe(1)
    expect(api.getAccessToken()).toBeNull()
    expect(ended).toHaveBeenCalledWith('signed-out')
    await vi.advanceTimersByTimeAsync(60 * MINUTE)
    expect(server.count('RefreshSession')).toBe(0)
  })

  it('lets a request with its own Authorization header through untouched (GraphiQL manual token)', async () => {
    const server = fakeGraphQLServer({
      Login: () => answers.session('login', 'session-token'),
      Me: () => answers.tokenExpired(),
    })
    await api.login('owner', 'pw')

    const res = await api.sessionFetch('/graphql', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Authorization: 'Bearer pasted' },
      body: JSON.stringify({ query: 'query Me { me { id } }' }),
    })

    expect(((await res.json()) as { errors: unknown[] }).errors).toHaveLength(1)
    expect(server.calls.map((c) => c.authorization)).toEqual([null, 'Bearer pasted'])
  })
})

describe('session over WebSocket', () => {
  beforeEach(() => {
    vi.stubGlobal('WebSocket', FakeWebSocket)
  })

  it('sends the current token in connection_init', async () => {
    fakeGraphQLServer({ Login: () => answers.session('login', 'tok-1') })
    await api.login('owner', 'pw')
    const next = vi.fn()

    const stop = api.subscribe('subscription Tick { tick }', undefined, { next })
    await vi.advanceTimersByTimeAsync(10)

    expect(FakeWebSocket.inits).toEqual([{ authorization: 'Bearer tok-1' }])
    expect(next).toHaveBeenCalledTimes(1)
    stop()
  })

  it('reconnects with a refreshed token after the server closes the socket with 4403', async () => {
    const server = fakeGraphQLServer({
      Login: () => answers.session('login', 'tok-1'),
      RefreshSession: () => answers.session('refreshSession', 'tok-2'),
    })
    await api.login('owner', 'pw')
    const next = vi.fn()
    const error = vi.fn()
    const stop = api.subscribe('subscription Tick { tick }', undefined, { next, error })
    await vi.advanceTimersByTimeAsync(10)

    FakeWebSocket.sockets[0]!.serverClose(4403, 'Token expired')
    await vi.advanceTimersByTimeAsync(1_000)

    expect(server.count('RefreshSession')).toBe(1)
    expect(FakeWebSocket.inits).toEqual([{ authorization: 'Bearer tok-1' }, { authorization: 'Bearer tok-2' }])
    expect(next).toHaveBeenCalledTimes(2) // the subscription carried on over the new socket
    expect(error).not.toHaveBeenCalled()
    stop()
  })

  it('reconnects with an already refreshed token without refreshing again', async () => {
    const server = fakeGraphQLServer({
      Login: () => answers.session('login', 'tok-1'),
      RefreshSession: () => answers.session('refreshSession', 'tok-2'),
    })
    await api.login('owner', 'pw')
    const stop = api.subscribe('subscription Tick { tick }', undefined, { next: () => {} })
    await vi.advanceTimersByTimeAsync(10)
    await api.refreshSession() // the scheduled refresh, ahead of the old token's end

    FakeWebSocket.sockets[0]!.serverClose(4403, 'Token expired')
    await vi.advanceTimersByTimeAsync(1_000)

    expect(server.count('RefreshSession')).toBe(1)
    expect(FakeWebSocket.inits.at(-1)).toEqual({ authorization: 'Bearer tok-2' })
    stop()
  })

  it('gives up on the socket and ends the session when the refresh after a 4403 is refused', async () => {
    fakeGraphQLServer({
      Login: () => answers.session('login', 'tok-1'),
      RefreshSession: () => answers.error('UNAUTHENTICATED', { reason: 'SESSION_REVOKED' }),
    })
    await api.login('owner', 'pw')
    const ended = vi.fn()
    api.onSessionChange((c) => c.type === 'ended' && ended(c.reason))
    const complete = vi.fn()
    const stop = api.subscribe('subscription Tick { tick }', undefined, { next: () => {}, complete })
    await vi.advanceTimersByTimeAsync(10)

    FakeWebSocket.sockets[0]!.serverClose(4403, 'Session revoked')
    await vi.advanceTimersByTimeAsync(5_000)

    expect(ended).toHaveBeenCalledWith('expired')
    expect(api.getAccessToken()).toBeNull()
    expect(FakeWebSocket.inits).toHaveLength(1) // no second connection_init with a dead token
    stop()
  })
})
