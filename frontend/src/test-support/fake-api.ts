/**
 * Test doubles for the Nexus API: a `fetch` that answers GraphQL operations by name, and a
 * `WebSocket` that speaks just enough graphql-transport-ws. Only the unit tests import this.
 */
import { vi } from 'vitest'

export interface GraphQLCall {
  operation: string
  query: string
  variables: Record<string, unknown> | undefined
  authorization: string | null
}

type Answer = { status?: number; body: unknown } | Error

/** Answers one call; `calls` holds every call in order. */
export type Handler = (call: GraphQLCall) => Answer | Promise<Answer>

export function graphqlResponse(body: unknown, status = 200): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { 'Content-Type': 'application/graphql-response+json' },
  })
}

/** The first operation name of a document, or `anonymous`. */
function operationName(query: string): string {
  return /\b(?:query|mutation|subscription)\s+(\w+)/.exec(query)?.[1] ?? 'anonymous'
}

/** Installs a mock `fetch` that routes POST /graphql bodies to `handlers[operationName]`
 *  (or `handlers.default`). Unhandled operations fail the test loudly. */
export function fakeGraphQLServer(handlers: Record<string, Handler>) {
  const calls: GraphQLCall[] = []
  const fetchMock = vi.fn(async (_input: RequestInfo | URL, init?: RequestInit) => {
    const body = JSON.parse(String(init?.body)) as { query: string; variables?: Record<string, unknown> }
    const call: GraphQLCall = {
      operation: operationName(body.query),
      query: body.query,
      variables: body.variables,
      authorization: new Headers(init?.headers).get('authorization'),
    }
    calls.push(call)
    const handler = handlers[call.operation] ?? handlers.default
    if (!handler) throw new Error(`fake server: no handler for ${call.operation}`)
    const answer = await handler(call)
    if (answer instanceof Error) throw answer
    return graphqlResponse(answer.body, answer.status)
  })
  vi.stubGlobal('fetch', fetchMock)
  return { calls, fetchMock, count: (operation: string) => calls.filter((c) => c.operation === operation).length }
}

export const OWNER = { id: 'u1', username: 'owner', displayName: 'Owner', role: 'OWNER' } as const

/** A `SessionPayload` whose token expires `ttlMs` from now. */
export function sessionPayload(accessToken: string, ttlMs = 15 * 60_000) {
  return { accessToken, expiresAt: new Date(Date.now() + ttlMs).toISOString(), user: OWNER }
}

export const answers = {
  session: (field: 'login' | 'refreshSession', token: string, ttlMs?: number): Answer => ({
    body: { data: { [field]: sessionPayload(token, ttlMs) } },
  }),
  error: (code: string, extra: Record<string, unknown> = {}, message = code): Answer => ({
    body: { data: null, errors: [{ message, extensions: { code, ...extra } }] },
  }),
  tokenExpired: (): Answer => ({
    body: {
      data: null,
      errors: [
        {
          message: 'The access token has expired; refresh the session.',
          extensions: { code: 'UNAUTHENTICATED', reason: 'TOKEN_EXPIRED' },
        },
      ],
    },
  }),
  data: (data: unknown): Answer => ({ body: { data } }),
  /** One page of a Relay connection at `data[field]`. */
  connection: (field: string, nodes: unknown[], opts: PageOptions = {}): Answer => ({
    body: {
      data: {
        [field]: {
          totalCount: opts.totalCount ?? nodes.length,
          pageInfo: { hasNextPage: opts.hasNextPage ?? false, endCursor: opts.endCursor ?? null },
          nodes,
        },
      },
    },
  }),
}

/** An endpoint that is down until `recover()`: `handler` answers UNAVAILABLE ("database down"),
 *  then whatever `recovered` answers. */
export function outage(recovered: () => Answer | Promise<Answer>) {
  let down = true
  return {
    handler: (): Answer | Promise<Answer> => (down ? answers.error('UNAVAILABLE', {}, 'database down') : recovered()),
    recover: () => {
      down = false
    },
  }
}

export type Outage = ReturnType<typeof outage>

/** Where a connection page sits: defaults to the last and only page. */
export interface PageOptions {
  hasNextPage?: boolean
  endCursor?: string | null
  totalCount?: number
}

/** A WebSocket double: the "server" acknowledges every `connection_init` (recording its
 *  payload), answers every `subscribe` with one `next`, and can close a socket with a code. */
export class FakeWebSocket {
  static readonly CONNECTING = 0
  static readonly OPEN = 1
  static readonly CLOSING = 2
  static readonly CLOSED = 3
  static sockets: FakeWebSocket[] = []
  static inits: unknown[] = []
  /** Answer every `subscribe` at once with one `next` (`{ tick }`); page tests turn this off
   *  and push events with `emit`. */
  static autoNext = true
  /** Open subscriptions: socket, id and operation name. */
  static subscriptions: { socket: FakeWebSocket; id: string; operation: string }[] = []

  readyState = FakeWebSocket.CONNECTING
  protocol: string
  onopen: ((event: unknown) => void) | null = null
  onmessage: ((event: { data: string }) => void) | null = null
  onclose: ((event: { code: number; reason: string; wasClean: boolean }) => void) | null = null
  onerror: ((event: unknown) => void) | null = null

  constructor(
    readonly url: string,
    protocol: string,
  ) {
    this.protocol = protocol
    FakeWebSocket.sockets.push(this)
    setTimeout(() => {
      this.readyState = FakeWebSocket.OPEN
      this.onopen?.({})
    }, 0)
  }

  send(data: string): void {
    const message = JSON.parse(data) as { type: string; id?: string; payload?: unknown }
    if (message.type === 'connection_init') {
      FakeWebSocket.inits.push(message.payload)
      this.receive({ type: 'connection_ack' })
    } else if (message.type === 'subscribe') {
      const query = String((message.payload as { query?: unknown } | undefined)?.query ?? '')
      FakeWebSocket.subscriptions.push({ socket: this, id: String(message.id), operation: operationName(query) })
      if (FakeWebSocket.autoNext) {
        this.receive({ type: 'next', id: message.id, payload: { data: { tick: FakeWebSocket.inits.length } } })
      }
    } else if (message.type === 'complete') {
      FakeWebSocket.subscriptions = FakeWebSocket.subscriptions.filter((s) => !(s.socket === this && s.id === message.id))
    }
  }

  /** The server closes the socket. */
  serverClose(code: number, reason = ''): void {
    this.readyState = FakeWebSocket.CLOSED
    this.onclose?.({ code, reason, wasClean: true })
  }

  close(code = 1000, reason = ''): void {
    if (this.readyState === FakeWebSocket.CLOSED) return
    this.readyState = FakeWebSocket.CLOSED
    this.onclose?.({ code, reason, wasClean: true })
  }

  private receive(message: unknown): void {
    setTimeout(() => this.onmessage?.({ data: JSON.stringify(message) }), 0)
  }

  /** The server sends `data` to every open subscription of the operation `operation`;
   *  returns how many received it. */
  static emit(operation: string, data: unknown): number {
    const targets = FakeWebSocket.subscriptions.filter(
      (s) => s.operation === operation && s.socket.readyState === FakeWebSocket.OPEN,
    )
    for (const s of targets) s.socket.receive({ type: 'next', id: s.id, payload: { data } })
    return targets.length
  }

  /** The server ends every open subscription of `operation` because events were lost on the
   *  way (`UNAVAILABLE`, `reason: EVENTS_MISSED`), as Nexus does; returns how many it ended. */
  static endWithMissedEvents(operation: string): number {
    const targets = FakeWebSocket.subscriptions.filter(
      (s) => s.operation === operation && s.socket.readyState === FakeWebSocket.OPEN,
    )
    const errors = [
      { message: 'some changes were not delivered', extensions: { code: 'UNAVAILABLE', reason: 'EVENTS_MISSED' } },
    ]
    for (const s of targets) {
      s.socket.receive({ type: 'next', id: s.id, payload: { data: null, errors } })
      s.socket.receive({ type: 'complete', id: s.id })
    }
    FakeWebSocket.subscriptions = FakeWebSocket.subscriptions.filter((s) => !targets.includes(s))
    return targets.length
  }

  static reset(): void {
    FakeWebSocket.sockets = []
    FakeWebSocket.inits = []
    FakeWebSocket.subscriptions = []
    FakeWebSocket.autoNext = true
  }
}
