/**
 * The one place that knows how to talk to the Nexus GraphQL API.
 *
 * - Queries and mutations: `gql<T>(query, variables)` — POST /graphql (GraphQL-over-HTTP,
 *   `application/graphql-response+json`). Any GraphQL error, HTTP failure or network failure
 *   is thrown as a `GraphQLRequestError` carrying a machine-readable `code`
 *   (the server's `extensions.code`, or a client-side code).
 * - Subscriptions: `subscribe(...)` — graphql-ws (`graphql-transport-ws`) on /graphql/ws; the
 *   access token travels in the `connection_init` payload.
 * - The session (DESIGN.md §5): the refresh token is an HttpOnly cookie the page never sees; the
 *   short-lived access token lives only in this module's memory — never in localStorage or
 *   sessionStorage. `login`, `restoreSession` (on page load, from the cookie), `refreshSession`
 *   and `logout` change it; `onSessionChange` tells the UI (the Pinia store, GraphiQL).
 *
 * How the token is kept fresh:
 * - a refresh is scheduled ~60 s before `expiresAt` (halfway through for short lifetimes);
 * - a request refused with `UNAUTHENTICATED` / `TOKEN_EXPIRED` (or `TOKEN_INVALID`, e.g. after a
 *   server restart with a new signing key) refreshes once and is sent again;
 * - concurrent refreshes in this page share one request; `CONFLICT` / `REFRESH_RACE` (another tab
 *   rotated the cookie at the same moment) waits a moment and retries once, with the new cookie;
 * - a refresh the server refuses ends the session (`onSessionChange` → `ended`); a refresh that
 *   could not reach the server keeps the session and tries again later;
 * - the WebSocket reads the current token at every (re)connect; when the server closes it with
 *   4403 (token expired or revoked) it reconnects, refreshing first if that token is the current one.
 */
import { createClient, type Client } from 'graphql-ws'

export const GRAPHQL_PATH = '/graphql'
export const GRAPHQL_WS_PATH = '/graphql/ws'

/** Refresh this long before the access token expires. */
export const REFRESH_LEAD_MS = 60_000
/** Never schedule a refresh sooner than this (guards against a loop on odd clocks). */
export const MIN_REFRESH_DELAY_MS = 5_000
/** After `REFRESH_RACE`, wait this long (the winning tab's new cookie lands) and retry once. */
export const REFRESH_RACE_RETRY_MS = 300
/** A scheduled refresh that could not reach the server tries again after this long. */
export const REFRESH_RETRY_MS = 15_000
/** graphql-transport-ws: the server refused (or no longer accepts) the `connection_init` token. */
const WS_FORBIDDEN = 4403

// ---------------------------------------------------------------------------------------------
// Errors
// ---------------------------------------------------------------------------------------------

/** Codes the server puts into `extensions.code` (DESIGN.md §4). */
export type ServerErrorCode =
  | 'UNAUTHENTICATED'
  | 'FORBIDDEN'
  | 'NOT_FOUND'
  | 'BAD_USER_INPUT'
  | 'CONFLICT'
  | 'INVALID_TRANSITION'
  | 'RATE_LIMITED'
  | 'UNAVAILABLE'
  | 'INTERNAL'

/** Codes the client uses when the server did not give one. */
export type ClientErrorCode =
  | 'NETWORK_ERROR' // fetch failed / socket could not connect
  | 'HTTP_ERROR' // non-2xx without a GraphQL error body
  | 'BAD_RESPONSE' // body was not a GraphQL response
  | 'GRAPHQL_ERROR' // GraphQL error without extensions.code (e.g. validation)

/** Known codes, but open to codes added by the server later. */
export type ErrorCode = ServerErrorCode | ClientErrorCode | (string & {})

export interface GraphQLErrorEntry {
  message: string
  locations?: ReadonlyArray<{ line: number; column: number }>
  path?: ReadonlyArray<string | number>
  extensions?: { code?: string; [key: string]: unknown }
}

export class GraphQLRequestError extends Error {
  override readonly name = 'GraphQLRequestError'
  /** The first error's `extensions.code`, or a client-side code. */
  readonly code: ErrorCode
  /** All GraphQL errors of the response (empty for network/HTTP failures). */
  readonly errors: readonly GraphQLErrorEntry[]
  /** HTTP status, or WebSocket close code for subscriptions. */
  readonly status: number | undefined
  /** Partial `data`, if the server sent any alongside the errors. */
  readonly data: unknown

  constructor(
    message: string,
    code: ErrorCode,
    opts: { errors?: readonly GraphQLErrorEntry[]; status?: number; data?: unknown; cause?: unknown } = {},
  ) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause })
    this.code = code
    this.errors = opts.errors ?? []
    this.status = opts.status
    this.data = opts.data
  }

  /** The server's request id for INTERNAL errors, if it sent one. */
  get requestId(): string | undefined {
    const id = this.errors[0]?.extensions?.requestId
    return typeof id === 'string' ? id : undefined
  }

  /** The first error's `extensions.reason` (e.g. `TOKEN_EXPIRED`, `INVALID_CREDENTIALS`). */
  get reason(): string | undefined {
    const reason = this.errors[0]?.extensions?.reason
    return typeof reason === 'string' ? reason : undefined
  }

  /** `extensions.field` of a `BAD_USER_INPUT` or `CONFLICT` error: the input field at fault
   *  (`slug`, `priority`), without an `input.` prefix, so forms can show it next to that field. */
  get field(): string | undefined {
    const field = this.errors[0]?.extensions?.field
    return typeof field === 'string' && field ? field.replace(/^input\./, '') : undefined
  }

  /** `extensions.accepted`: the values the server would have taken (e.g. the priority labels). */
  get accepted(): string[] | undefined {
    const accepted = this.errors[0]?.extensions?.accepted
    return Array.isArray(accepted) && accepted.every((a) => typeof a === 'string') ? accepted : undefined
  }

  /** `extensions.retryAfterSeconds` of a `RATE_LIMITED` error. */
  get retryAfterSeconds(): number | undefined {
    const secs = this.errors[0]?.extensions?.retryAfterSeconds
    return typeof secs === 'number' && Number.isFinite(secs) ? secs : undefined
  }
}

export function isGraphQLRequestError(e: unknown): e is GraphQLRequestError {
  return e instanceof GraphQLRequestError
}

function isErrorEntry(e: unknown): e is GraphQLErrorEntry {
  return typeof e === 'object' && e !== null && typeof (e as { message?: unknown }).message === 'string'
}

function fromErrorEntries(
  errors: readonly GraphQLErrorEntry[],
  opts: { status?: number; data?: unknown } = {},
): GraphQLRequestError {
  const first = errors[0]
  const code = typeof first?.extensions?.code === 'string' ? first.extensions.code : 'GRAPHQL_ERROR'
  return new GraphQLRequestError(first?.message ?? 'GraphQL error', code, { errors, ...opts })
}

/** graphql-transport-ws close codes → error codes. */
const CLOSE_CODES: Record<number, ErrorCode> = {
  4400: 'BAD_RESPONSE',
  4401: 'UNAUTHENTICATED',
  4403: 'FORBIDDEN',
  4408: 'UNAUTHENTICATED', // connection_init timeout
  4409: 'CONFLICT', // subscriber id already exists
  4429: 'RATE_LIMITED', // too many initialisation requests
}

function closeCode(event: unknown): number | undefined {
  return typeof event === 'object' && event !== null && 'code' in event && typeof event.code === 'number'
    ? event.code
    : undefined
}

/** Normalises whatever graphql-ws hands to `error(...)` into a `GraphQLRequestError`. */
export function toGraphQLRequestError(err: unknown): GraphQLRequestError {
  if (err instanceof GraphQLRequestError) return err
  if (Array.isArray(err) && err.every(isErrorEntry)) return fromErrorEntries(err)
  const code = closeCode(err)
  if (code !== undefined) {
    const reason = (err as { reason?: unknown }).reason
    return new GraphQLRequestError(
      typeof reason === 'string' && reason ? reason : `Connection closed (${code})`,
      CLOSE_CODES[code] ?? 'NETWORK_ERROR',
      { status: code, cause: err },
    )
  }
  const message = err instanceof Error ? err.message : 'Network error'
  return new GraphQLRequestError(message, 'NETWORK_ERROR', { cause: err })
}

/** Whether the server refused the access token a request carried, so a refresh may help:
 *  expired, or invalid (revoked, or signed with a key the server no longer has). */
export function rejectsAccessToken(errors: unknown): boolean {
  return (
    Array.isArray(errors) &&
    errors.some(
      (e) =>
        isErrorEntry(e) &&
        e.extensions?.code === 'UNAUTHENTICATED' &&
        (e.extensions.reason === 'TOKEN_EXPIRED' || e.extensions.reason === 'TOKEN_INVALID'),
    )
  )
}

// ---------------------------------------------------------------------------------------------
// Session: the access token, in memory only
// ---------------------------------------------------------------------------------------------

export type Role = 'OWNER' | 'OPERATOR' | 'VIEWER'

/** The signed-in user, as `login` and `refreshSession` return them. */
export interface SessionUser {
  id: string
  username: string
  displayName: string
  role: Role
}

/** The part of the server's `SessionPayload` the browser asks for. */
export interface SessionPayload {
  accessToken: string
  expiresAt: string
  user: SessionUser
}

/** What happened to the session. `ended` with `expired`: the server refused to refresh it
 *  (logged out elsewhere, revoked, or past its lifetime) — the UI goes to the sign-in page. */
export type SessionChange =
  | { type: 'started'; user: SessionUser }
  | { type: 'refreshed'; user: SessionUser }
  | { type: 'ended'; reason: 'signed-out' | 'expired' }

const SESSION_FIELDS = 'accessToken expiresAt user { id username displayName role }'
export const LOGIN_MUTATION = `mutation Login($input: LoginInput!) { login(input: $input) { ${SESSION_FIELDS} } }`
export const REFRESH_MUTATION = `mutation RefreshSession { refreshSession { ${SESSION_FIELDS} } }`
export const LOGOUT_MUTATION = 'mutation Logout { logout { ok } }'
export const CHANGE_PASSWORD_MUTATION = `mutation ChangePassword($input: ChangePasswordInput!) { changePassword(input: $input) { ${SESSION_FIELDS} } }`

let accessToken: string | null = null
let expiresAtMs = 0
let sessionUser: SessionUser | null = null
let refreshTimer: ReturnType<typeof setTimeout> | undefined
let refreshing: Promise<SessionUser | null> | null = null
const listeners = new Set<(change: SessionChange) => void>()

/** The current access token (memory only), or null when signed out. */
export function getAccessToken(): string | null {
  return accessToken
}

/** The signed-in user, or null. */
export function currentUser(): SessionUser | null {
  return sessionUser
}

/** Calls `listener` on every session change; returns the function that stops it. */
export function onSessionChange(listener: (change: SessionChange) => void): () => void {
  listeners.add(listener)
  return () => listeners.delete(listener)
}

function emit(change: SessionChange): void {
  for (const listener of [...listeners]) listener(change)
}

/**
 * When to refresh a token that expires at `expiresAtMs`: `REFRESH_LEAD_MS` before, but not
 * before half of its remaining life (short lifetimes) and never sooner than `MIN_REFRESH_DELAY_MS`.
 */
export function refreshDelay(expiresAtMs: number, nowMs: number): number {
  const remaining = expiresAtMs - nowMs
  const delay = Math.max(MIN_REFRESH_DELAY_MS, remaining - REFRESH_LEAD_MS, Math.floor(remaining / 2))
  return Math.min(delay, 2 ** 31 - 1) // setTimeout's limit
}

function scheduleRefresh(delayMs: number): void {
  clearTimeout(refreshTimer)
  refreshTimer = setTimeout(() => {
    refreshSession().catch(() => {
      // Server unreachable: keep the session and try again; a refusal would have ended it.
      if (accessToken) scheduleRefresh(REFRESH_RETRY_MS)
    })
  }, delayMs)
}

function startSession(payload: SessionPayload, type: 'started' | 'refreshed'): SessionUser {
  accessToken = payload.accessToken
  expiresAtMs = Date.parse(payload.expiresAt)
  sessionUser = payload.user
  scheduleRefresh(refreshDelay(expiresAtMs, Date.now()))
  emit({ type, user: payload.user })
  return payload.user
}

function endSession(reason: 'signed-out' | 'expired'): void {
  const had = accessToken !== null || sessionUser !== null
  accessToken = null
  expiresAtMs = 0
  sessionUser = null
  clearTimeout(refreshTimer)
  refreshTimer = undefined
  resetSubscriptionClient()
  if (had) emit({ type: 'ended', reason })
}

function isRefreshRace(e: GraphQLRequestError): boolean {
  return e.code === 'CONFLICT' && e.reason === 'REFRESH_RACE'
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms))

async function runRefresh(): Promise<SessionUser | null> {
  for (let attempt = 1; ; attempt++) {
    try {
      const data = await execute<{ refreshSession: SessionPayload }>(REFRESH_MUTATION, undefined, { auth: false })
      return startSession(data.refreshSession, sessionUser ? 'refreshed' : 'started')
    } catch (e) {
      const error = toGraphQLRequestError(e)
      if (isRefreshRace(error) && attempt === 1) {
        await sleep(REFRESH_RACE_RETRY_MS)
        continue
      }
      // Refused (no cookie, session over or revoked; a second race): the session is over.
      if (error.code === 'UNAUTHENTICATED' || isRefreshRace(error)) {
        endSession('expired')
        return null
      }
      throw error // not reached, or failed inside: the session (if any) stays for a later try
    }
  }
}

/**
 * Exchanges the refresh cookie for a new access token. Resolves with the user, or null when
 * the server refused (the session, if there was one, has ended); rejects with a
 * `GraphQLRequestError` when the server could not be asked (then nothing changes).
 * Concurrent calls share one request.
 */
export function refreshSession(): Promise<SessionUser | null> {
  refreshing ??= runRefresh().finally(() => {
    refreshing = null
  })
  return refreshing
}

/** On page load: picks up the session the refresh cookie carries, if any (same as `refreshSession`). */
export function restoreSession(): Promise<SessionUser | null> {
  return refreshSession()
}

/** Signs in; throws a `GraphQLRequestError` (`UNAUTHENTICATED` / `INVALID_CREDENTIALS`,
 *  `RATE_LIMITED` with `retryAfterSeconds`, …) when the server says no. */
export async function login(username: string, password: string): Promise<SessionUser> {
  const data = await execute<{ login: SessionPayload }>(
    LOGIN_MUTATION,
    { input: { username, password } },
    { auth: false },
  )
  resetSubscriptionClient() // a socket of an earlier session must not carry on
  return startSession(data.login, 'started')
}

/** Changes the signed-in user's password. The server ends every session of the user (other
 *  tabs and devices sign in again) and answers with a new one, which this page carries on with.
 *  Throws a `GraphQLRequestError` (`UNAUTHENTICATED` / `INVALID_CREDENTIALS` for a wrong current
 *  password, `BAD_USER_INPUT` naming `newPassword`, `RATE_LIMITED`) and keeps the old session. */
export async function changePassword(currentPassword: string, newPassword: string): Promise<SessionUser> {
  const data = await execute<{ changePassword: SessionPayload }>(
    CHANGE_PASSWORD_MUTATION,
    { input: { currentPassword, newPassword } },
    { auth: true },
  )
  resetSubscriptionClient() // the old session's socket is closed by the server; start afresh
  return startSession(data.changePassword, 'refreshed')
}

/** Ends the session on the server (revokes the cookie's token family) and here. Resolves with
 *  whether the server confirmed; the local session ends either way. */
export async function logout(): Promise<boolean> {
  try {
    await execute<{ logout: { ok: boolean } }>(LOGOUT_MUTATION, undefined, { auth: false })
    return true
  } catch {
    return false
  } finally {
    endSession('signed-out')
  }
}

/** After the server refused `rejected`: the token to try again with (refreshing the session
 *  unless another request already did), or null when there is none. */
async function renewRejectedToken(rejected: string): Promise<string | null> {
  if (accessToken && accessToken !== rejected) return accessToken
  try {
    await refreshSession()
  } catch {
    return null
  }
  return accessToken
}

// ---------------------------------------------------------------------------------------------
// Queries and mutations over HTTP
// ---------------------------------------------------------------------------------------------

/**
 * `fetch` for /graphql with the session: adds `Authorization: Bearer <access token>` (unless the
 * request already has an `Authorization` header — GraphiQL's manual token), and when the server
 * refuses that token as expired or invalid, refreshes the session once and sends the request
 * again. Used by `gql` and by GraphiQL's fetcher. The body must be replayable (a string).
 */
export async function sessionFetch(input: RequestInfo | URL, init: RequestInit = {}): Promise<Response> {
  const base = { credentials: 'same-origin' as RequestCredentials, ...init }
  const headers = new Headers(init.headers)
  if (headers.has('authorization')) return fetch(input, base)

  const send = (token: string | null) => {
    const h = new Headers(headers)
    if (token) h.set('Authorization', `Bearer ${token}`)
    return fetch(input, { ...base, headers: h })
  }
  // A refresh under way (page load, scheduled, another request's): wait for its token.
  if (refreshing) await refreshing.catch(() => null)
  const sent = accessToken
  const res = await send(sent)
  if (!sent || !(await refusesToken(res))) return res
  const token = await renewRejectedToken(sent)
  return token ? send(token) : res
}

async function refusesToken(res: Response): Promise<boolean> {
  if (!(res.headers.get('content-type') ?? '').includes('json')) return false
  try {
    const body = (await res.clone().json()) as { errors?: unknown }
    return rejectsAccessToken(body?.errors)
  } catch {
    return false
  }
}

export interface GqlOptions {
  signal?: AbortSignal
}

async function execute<T>(
  query: string,
  variables: Record<string, unknown> | undefined,
  options: GqlOptions & { auth: boolean },
): Promise<T> {
  const init: RequestInit = {
    method: 'POST',
    headers: {
      'Content-Type': 'application/json',
      Accept: 'application/graphql-response+json, application/json;q=0.9',
    },
    body: JSON.stringify(variables === undefined ? { query } : { query, variables }),
    credentials: 'same-origin',
    signal: options.signal,
  }
  let res: Response
  try {
    res = await (options.auth ? sessionFetch(GRAPHQL_PATH, init) : fetch(GRAPHQL_PATH, init))
  } catch (e) {
    if (e instanceof DOMException && e.name === 'AbortError') throw e
    throw new GraphQLRequestError('Cannot reach the Nexus server', 'NETWORK_ERROR', { cause: e })
  }

  // application/graphql-response+json sends request errors with a 4xx status and a GraphQL
  // body, so read the body whatever the status.
  let body: unknown
  try {
    body = await res.json()
  } catch (e) {
    if (!res.ok) {
      const code = res.status === 401 ? 'UNAUTHENTICATED' : res.status === 403 ? 'FORBIDDEN' : 'HTTP_ERROR'
      throw new GraphQLRequestError(`HTTP ${res.status} ${res.statusText}`.trim(), code, {
        status: res.status,
        cause: e,
      })
    }
    throw new GraphQLRequestError('The server sent no GraphQL response', 'BAD_RESPONSE', {
      status: res.status,
      cause: e,
    })
  }

  const payload = (typeof body === 'object' && body !== null ? body : {}) as {
    data?: T | null
    errors?: unknown
  }
  if (Array.isArray(payload.errors) && payload.errors.length > 0) {
    const errors = payload.errors.filter(isErrorEntry)
    throw fromErrorEntries(errors.length ? errors : [{ message: 'GraphQL error' }], {
      status: res.status,
      data: payload.data ?? undefined,
    })
  }
  if (!res.ok) {
    throw new GraphQLRequestError(`HTTP ${res.status} ${res.statusText}`.trim(), 'HTTP_ERROR', {
      status: res.status,
    })
  }
  if (payload.data === undefined || payload.data === null) {
    throw new GraphQLRequestError('The server sent no data', 'BAD_RESPONSE', { status: res.status })
  }
  return payload.data
}

/**
 * Runs a query or mutation with the session's access token and returns its `data`. Throws
 * `GraphQLRequestError` if the response has any error (also for partial data, which is then on
 * `error.data`). An expired token is refreshed and the request sent once more.
 */
export async function gql<T, V extends Record<string, unknown> = Record<string, unknown>>(
  query: string,
  variables?: V,
  options: GqlOptions = {},
): Promise<T> {
  return execute<T>(query, variables, { ...options, auth: true })
}

// ---------------------------------------------------------------------------------------------
// Subscriptions over WebSocket (graphql-transport-ws)
// ---------------------------------------------------------------------------------------------

/** ws(s)://<same host>/graphql/ws, derived from the page's location. */
export function graphqlWsUrl(loc: Pick<Location, 'protocol' | 'host'> = window.location): string {
  const scheme = loc.protocol === 'https:' ? 'wss:' : 'ws:'
  return `${scheme}//${loc.host}${GRAPHQL_WS_PATH}`
}

let wsClient: Client | null = null
/** The token the newest socket sent in `connection_init`. */
let socketToken: string | null = null
/** A token the server closed a socket over (4403): expired or revoked. */
let refusedSocketToken: string | null = null
let lastCloseCode: number | undefined

/** The token for a new socket: the current one, renewed first when the server just refused it
 *  or it is about to expire. Null when there is no session (the server will close with 4403). */
async function tokenForSocket(): Promise<string | null> {
  const token = accessToken
  if (token && (token === refusedSocketToken || expiresAtMs - Date.now() < MIN_REFRESH_DELAY_MS)) {
    return renewRejectedToken(token)
  }
  return token
}

/** The `connection_init` payload for the current session, `undefined` without one. */
export async function connectionParams(): Promise<{ authorization: string } | undefined> {
  const hadSession = accessToken !== null
  const token = await tokenForSocket()
  socketToken = token
  // The refresh was refused: fail this connection (fatal for graphql-ws) instead of sending
  // an empty `connection_init` the server can only refuse.
  if (hadSession && !token) throw new Error('The session has ended')
  return token ? { authorization: `Bearer ${token}` } : undefined
}

/** Whether the shared socket is connected and acknowledged right now. */
let socketConnected = false

function subscriptionClient(): Client {
  wsClient ??= createClient({
    url: graphqlWsUrl(),
    // Read at every (re)connect, so a refreshed token is what the next connection sends.
    connectionParams,
    lazy: true,
    retryAttempts: 5,
    // 4403 means the token expired or was revoked: worth a retry only while there is a session
    // (the reconnect refreshes first). Other closes and network errors: the library's default.
    shouldRetry: (event) => closeCode(event) !== undefined && (closeCode(event) !== WS_FORBIDDEN || accessToken !== null),
    retryWait: async (retries) => {
      // Reconnecting after the token's end is routine: come back quickly. Otherwise back off.
      const ms =
        lastCloseCode === WS_FORBIDDEN ? 250 + Math.random() * 500 : 2 ** retries * 1000 + 300 + Math.random() * 2700
      await sleep(ms)
    },
    on: {
      closed: (event) => {
        socketConnected = false
        lastCloseCode = closeCode(event)
        if (lastCloseCode === WS_FORBIDDEN && socketToken) refusedSocketToken = socketToken
      },
      connected: () => {
        lastCloseCode = undefined
        socketConnected = true
      },
    },
  })
  return wsClient
}

/** Closes the socket; the next `subscribe` opens a fresh one (with the current token). */
export function resetSubscriptionClient(): void {
  const c = wsClient
  wsClient = null
  socketConnected = false
  socketToken = null
  refusedSocketToken = null
  lastCloseCode = undefined
  // dispose() waits for a connection attempt under way, which may fail: nothing to report then.
  if (c) Promise.resolve(c.dispose()).catch(() => {})
}

/** The session's graphql-ws client, for GraphiQL's fetcher (it only calls `subscribe`); always
 *  the current client, so a new session's socket is used after sign-in or sign-out. */
export const sessionSocket: Pick<Client, 'subscribe'> = {
  subscribe: (payload, sink) => subscriptionClient().subscribe(payload, sink),
}

export interface SubscribeHandlers<T> {
  next: (data: T) => void
  error?: (error: GraphQLRequestError) => void
  complete?: () => void
  /** The socket is connected (now, or once it connects): the subscription is being served.
   *  Subscriptions that only speak when something changes use this to say they are live. */
  started?: () => void
}

/** Starts a subscription; returns the function that stops it. */
export function subscribe<T, V extends Record<string, unknown> = Record<string, unknown>>(
  query: string,
  variables: V | undefined,
  handlers: SubscribeHandlers<T>,
): () => void {
  const client = subscriptionClient()
  let stopped = false
  // Tell `started` on every (re)connection while the subscription lasts, and now if connected.
  const offConnected = handlers.started ? client.on('connected', () => !stopped && handlers.started?.()) : () => {}
  const stop = client.subscribe<T>(variables === undefined ? { query } : { query, variables }, {
    next: (result) => {
      if (result.errors?.length) {
        handlers.error?.(fromErrorEntries(result.errors as readonly GraphQLErrorEntry[]))
        return
      }
      if (result.data != null) handlers.next(result.data)
    },
    error: (err) => handlers.error?.(toGraphQLRequestError(err)),
    complete: () => handlers.complete?.(),
  })
  if (handlers.started && socketConnected) queueMicrotask(() => !stopped && handlers.started?.())
  return () => {
    stopped = true
    offConnected()
    stop()
  }
}
