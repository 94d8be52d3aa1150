import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { GraphQLRequestError, gql, graphqlWsUrl, toGraphQLRequestError } from './client'

function jsonResponse(body: unknown, status = 200): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { 'Content-Type': 'application/graphql-response+json' },
  })
}

describe('gql', () => {
  const fetchMock = vi.fn<typeof fetch>()

  beforeEach(() => {
    vi.stubGlobal('fetch', fetchMock)
  })

  afterEach(() => {
    fetchMock.mockReset()
    vi.unstubAllGlobals()
  })

  it('turns a GraphQL error with extensions.code into a typed GraphQLRequestError', async () => {
    fetchMock.mockResolvedValue(
      jsonResponse({
        data: null,
        errors: [{ message: 'Not signed in', path: ['serverStatus'], extensions: { code: 'UNAUTHENTICATED' } }],
      }),
    )

    const error = await gql('{ serverStatus { version } }').catch((e: unknown) => e)

    expect(error).toBeInstanceOf(GraphQLRequestError)
    const typed = error as GraphQLRequestError
    expect(typed.code).toBe('UNAUTHENTICATED')
    expect(typed.message).toBe('Not signed in')
    expect(typed.status).toBe(200)
    expect(typed.errors).toHaveLength(1)
    expect(typed.errors[0]?.path).toEqual(['serverStatus'])
  })

  it('keeps the code and request id of a request error sent with a 4xx status and no data', async () => {
    fetchMock.mockResolvedValue(
      jsonResponse({ errors: [{ message: 'Internal error', extensions: { code: 'INTERNAL', requestId: 'r-42' } }] }, 400),
    )

    const error = (await gql('{ x }').catch((e: unknown) => e)) as GraphQLRequestError

    expect(error.code).toBe('INTERNAL')
    expect(error.status).toBe(400)
    expect(error.requestId).toBe('r-42')
  })

  it('uses GRAPHQL_ERROR when the server gives no extensions.code and keeps partial data', async () => {
    fetchMock.mockResolvedValue(jsonResponse({ data: { a: 1 }, errors: [{ message: 'boom' }] }))

    const error = (await gql('{ a b }').catch((e: unknown) => e)) as GraphQLRequestError

    expect(error.code).toBe('GRAPHQL_ERROR')
    expect(error.data).toEqual({ a: 1 })
  })

  it('reports an unreachable server as NETWORK_ERROR', async () => {
    fetchMock.mockRejectedValue(new TypeError('Failed to fetch'))

    const error = (await gql('{ a }').catch((e: unknown) => e)) as GraphQLRequestError

    expect(error).toBeInstanceOf(GraphQLRequestError)
    expect(error.code).toBe('NETWORK_ERROR')
  })

  it('reports a non-JSON 401 as UNAUTHENTICATED', async () => {
    fetchMock.mockResolvedValue(new Response('nope', { status: 401 }))

    const error = (await gql('{ a }').catch((e: unknown) => e)) as GraphQLRequestError

    expect(error.code).toBe('UNAUTHENTICATED')
    expect(error.status).toBe(401)
  })

  it('posts JSON with the GraphQL response media type and, without a session, no Authorization header', async () => {
    fetchMock.mockResolvedValue(jsonResponse({ data: { serverStatus: { version: '0.1.0' } } }))

    const data = await gql<{ serverStatus: { version: string } }>('query Q($n: Int) { x }', { n: 1 })

    expect(data.serverStatus.version).toBe('0.1.0')
    const [url, init] = fetchMock.mock.calls[0]!
    expect(url).toBe('/graphql')
    expect(init?.method).toBe('POST')
    const headers = new Headers(init?.headers)
    expect(headers.get('Content-Type')).toBe('application/json')
    expect(headers.get('Accept')).toContain('application/graphql-response+json')
    expect(headers.has('Authorization')).toBe(false)
    expect(init?.credentials).toBe('same-origin')
    expect(JSON.parse(init?.body as string)).toEqual({ query: 'query Q($n: Int) { x }', variables: { n: 1 } })
  })
})

describe('subscription helpers', () => {
  it('maps a graphql-transport-ws 4401 close to UNAUTHENTICATED', () => {
    const error = toGraphQLRequestError({ code: 4401, reason: 'Unauthorized' })
    expect(error.code).toBe('UNAUTHENTICATED')
    expect(error.status).toBe(4401)
  })

  it('builds the WebSocket URL from the page location', () => {
    expect(graphqlWsUrl({ protocol: 'https:', host: 'nexus.example:8443' })).toBe('wss://nexus.example:8443/graphql/ws')
    expect(graphqlWsUrl({ protocol: 'http:', host: 'localhost:5173' })).toBe('ws://localhost:5173/graphql/ws')
  })
})
