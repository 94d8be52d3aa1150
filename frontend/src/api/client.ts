/**
 * The one place that knows how to talk to the Nexus GraphQL API.
 *
 * - Queries and mutations: `gql<T>(query, variables)` — POST /graphql (GraphQL-over-HTTP,
 *   `application/graphql-response+json`). Any GraphQL error, HTTP failure or network failure
 *   is thrown as a `GraphQLRequestError` carrying a machine-readable `code`
 *   (the server's `extensions.code`, or a client-side code).
 * - Subscriptions: `subscribe(...)` — graphql-ws (`graphql-transport-ws`) on /graphql/ws; the
 *   access token travels in the `connection_init` payload.
 *
 * Both read the access token from sessionStorage (`nexus.accessToken`) at call/connect time.
 */
import { createClient, type Client } from 'graphql-ws'

export const GRAPHQL_PATH = '/graphql'
export const GRAPHQL_WS_PATH = '/graphql/ws'
export const ACCESS_TOKEN_KEY = 'nexus.accessToken'

// ---------------------------------------------------------------------------------------------
// Access token
// ---------------------------------------------------------------------------------------------

function storage(): Storage | null {
  try {
    return typeof sessionStorage === 'undefined' ? null : sessionStorage
  } catch {
    return null // e.g. storage disabled by the browser
  }
}

export function getAccessToken(): string | null {
  const token = storage()?.getItem(ACCESS_TOKEN_KEY)?.trim()
  return token ? token : null
}

/** Stores (or, with an empty value, clears) the access token and drops the live socket so the
 *  next subscription reconnects with the new `connection_init` payload. */
export function setAccessToken(token: string | null): void {
  const value = token?.trim()
  const s = storage()
  if (value) s?.setItem(ACCESS_TOKEN_KEY, value)
  else s?.removeItem(ACCESS_TOKEN_KEY)
  resetSubscriptionClient()
}

/** `Authorization` header for HTTP requests, empty without a token. */
export function authHeaders(): Record<string, string> {
  const token = getAccessToken()
  return token ? { Authorization: `Bearer ${token}` } : {}
}

/** The graphql-ws `connection_init` payload, `undefined` without a token. */
export function connectionParams(): { authorization: string } | undefined {
  const token = getAccessToken()
  return token ? { authorization: `Bearer ${token}` } : undefined
}

/** ws(s)://<same host>/graphql/ws, derived from the page's location. */
export function graphqlWsUrl(loc: Pick<Location, 'protocol' | 'host'> = window.location): string {
  const scheme = loc.protocol === 'https:' ? 'wss:' : 'ws:'
  return `${scheme}//${loc.host}${GRAPHQL_WS_PATH}`
}

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

/** Normalises whatever graphql-ws hands to `error(...)` into a `GraphQLRequestError`. */
export function toGraphQLRequestError(err: unknown): GraphQLRequestError {
  if (err instanceof GraphQLRequestError) return err
  if (Array.isArray(err) && err.every(isErrorEntry)) return fromErrorEntries(err)
  if (typeof err === 'object' && err !== null && 'code' in err && typeof err.code === 'number') {
    const close = err as { code: number; reason?: string }
    return new GraphQLRequestError(
      close.reason || `Connection closed (${close.code})`,
      CLOSE_CODES[close.code] ?? 'NETWORK_ERROR',
      { status: close.code, cause: err },
    )
  }
  const message = err instanceof Error ? err.message : 'Network error'
  return new GraphQLRequestError(message, 'NETWORK_ERROR', { cause: err })
}

// ---------------------------------------------------------------------------------------------
// Queries and mutations over HTTP
// ---------------------------------------------------------------------------------------------

export interface GqlOptions {
  signal?: AbortSignal
}

/**
 * Runs a query or mutation and returns its `data`. Throws `GraphQLRequestError` if the response
 * has any error (also for partial data, which is then on `error.data`).
 */
export async function gql<T, V extends Record<string, unknown> = Record<string, unknown>>(
  query: string,
  variables?: V,
  options: GqlOptions = {},
): Promise<T> {
  let res: Response
  try {
    res = await fetch(GRAPHQL_PATH, {
      method: 'POST',
      headers: {
        'Content-Type': 'application/json',
        Accept: 'application/graphql-response+json, application/json;q=0.9',
        ...authHeaders(),
      },
      body: JSON.stringify(variables === undefined ? { query } : { query, variables }),
      credentials: 'same-origin',
      signal: options.signal,
    })
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

// ---------------------------------------------------------------------------------------------
// Subscriptions over WebSocket (graphql-transport-ws)
// ---------------------------------------------------------------------------------------------

let wsClient: Client | null = null

function subscriptionClient(): Client {
  wsClient ??= createClient({
    url: graphqlWsUrl(),
    // Read at every (re)connect, so a new token is picked up by the next connection.
    connectionParams: () => connectionParams(),
    lazy: true,
    retryAttempts: 5,
  })
  return wsClient
}

/** Closes the socket; the next `subscribe` opens a fresh one (with the current token). */
export function resetSubscriptionClient(): void {
  const c = wsClient
  wsClient = null
  void c?.dispose()
}

export interface SubscribeHandlers<T> {
  next: (data: T) => void
  error?: (error: GraphQLRequestError) => void
  complete?: () => void
}

/** Starts a subscription; returns the function that stops it. */
export function subscribe<T, V extends Record<string, unknown> = Record<string, unknown>>(
  query: string,
  variables: V | undefined,
  handlers: SubscribeHandlers<T>,
): () => void {
  return subscriptionClient().subscribe<T>(variables === undefined ? { query } : { query, variables }, {
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
}
