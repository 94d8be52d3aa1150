/**
 * graphiql.html — GraphiQL bundled locally (no CDN, no inline script: works under the server's
 * strict Content-Security-Policy).
 *
 * Authentication: on load the page asks for a session with the dashboard's refresh cookie
 * (`refreshSession`, same origin) and then sends that session's access token — kept in memory
 * and refreshed before it expires by `@/api/client` — over HTTP (`Authorization`) and in the
 * WebSocket `connection_init`. Without a session a banner points to the dashboard's sign-in;
 * public operations (`serverStatus`) still work. A pasted token (e.g. a script's) overrides the
 * session until cleared; it too lives only in this page's memory.
 */
import { createElement as h, StrictMode, useEffect, useMemo, useState, type FormEvent } from 'react'
import { createRoot } from 'react-dom/client'
import { GraphiQL } from 'graphiql'
import { createGraphiQLFetcher, type Fetcher } from '@graphiql/toolkit'
import type { Client } from 'graphql-ws'
import 'graphiql/graphiql.css'
import './graphiql-page.css'
import {
  GRAPHQL_PATH,
  graphqlWsUrl,
  onSessionChange,
  restoreSession,
  sessionFetch,
  sessionSocket,
  type SessionUser,
} from '@/api/client'

/** The session's fetcher: the current access token on every request (refreshed and retried
 *  once when the server says it expired), the session's socket for subscriptions. */
function sessionFetcher(): Fetcher {
  return createGraphiQLFetcher({
    url: GRAPHQL_PATH,
    fetch: sessionFetch,
    // The toolkit only calls `subscribe` on it.
    wsClient: sessionSocket as Client,
  })
}

/** A fetcher for a pasted token: `Authorization` over HTTP, `connection_init` over graphql-ws. */
function manualFetcher(token: string): Fetcher {
  return createGraphiQLFetcher({
    url: GRAPHQL_PATH,
    subscriptionUrl: graphqlWsUrl(),
    headers: { Authorization: `Bearer ${token}` },
    wsConnectionParams: { authorization: `Bearer ${token}` },
  })
}

const DEFAULT_QUERY = `# Nexus GraphQL API. Requests carry your dashboard session's token.
query ServerStatus {
  serverStatus { version startedAt uptimeSeconds now }
}

# Subscriptions run over WebSocket (graphql-transport-ws) at /graphql/ws:
# subscription Heartbeat {
#   serverHeartbeat(intervalSeconds: 5) { uptimeSeconds now }
# }
`

/** `checking` until the cookie has been tried; `error` when the server could not be asked. */
type SessionState = { kind: 'checking' } | { kind: 'signed-in'; user: SessionUser } | { kind: 'none' } | { kind: 'error'; message: string }

function TokenBar(props: { session: SessionState; manualToken: string | null; onChange: (token: string | null) => void }) {
  const [draft, setDraft] = useState('')
  const { session, manualToken } = props

  function save(event: FormEvent) {
    event.preventDefault()
    if (!draft.trim()) return
    props.onChange(draft.trim())
    setDraft('')
  }

  const state = manualToken
    ? { on: true, text: 'pasted token' }
    : session.kind === 'signed-in'
      ? { on: true, text: `signed in as ${session.user.displayName} (${session.user.role})` }
      : session.kind === 'checking'
        ? { on: false, text: 'checking session…' }
        : { on: false, text: 'anonymous' }

  return h(
    'header',
    { className: 'nexus-bar' },
    h('a', { className: 'nexus-brand', href: '/' }, 'Nexus'),
    h('span', { className: 'nexus-title' }, 'GraphiQL'),
    h(
      'form',
      { className: 'nexus-token', onSubmit: save, autoComplete: 'off' },
      h('label', { htmlFor: 'nexus-token-input' }, 'Token'),
      h('input', {
        id: 'nexus-token-input',
        type: 'password',
        autoComplete: 'off',
        spellCheck: false,
        placeholder: manualToken ? 'token set — paste to replace' : 'paste a token to use instead of the session',
        value: draft,
        onChange: (e: { target: HTMLInputElement }) => setDraft(e.target.value),
      }),
      h('button', { type: 'submit', disabled: !draft.trim() }, 'Use'),
      h('button', { type: 'button', disabled: !manualToken, onClick: () => props.onChange(null) }, 'Clear'),
      h('span', { className: state.on ? 'nexus-token-state on' : 'nexus-token-state', role: 'status' }, state.text),
    ),
  )
}

function SignInBanner(props: { session: SessionState }) {
  const { session } = props
  if (session.kind !== 'none' && session.kind !== 'error') return null
  return h(
    'div',
    { className: 'nexus-banner', role: 'status' },
    session.kind === 'error' ? `Could not check your session (${session.message}). ` : 'Not signed in. ',
    h('a', { href: '/' }, 'Sign in on the dashboard first'),
    ', then reload this page. Public operations such as ',
    h('code', null, '{ serverStatus { version } }'),
    ' work without a session.',
  )
}

function App() {
  const [session, setSession] = useState<SessionState>({ kind: 'checking' })
  const [manualToken, setManualToken] = useState<string | null>(null)

  useEffect(() => {
    const stop = onSessionChange((change) => {
      setSession(change.type === 'ended' ? { kind: 'none' } : { kind: 'signed-in', user: change.user })
    })
    restoreSession().then(
      (user) => setSession(user ? { kind: 'signed-in', user } : { kind: 'none' }),
      (e: unknown) => setSession({ kind: 'error', message: e instanceof Error ? e.message : String(e) }),
    )
    return stop
  }, [])

  // Rebuilt when the credential changes, so GraphiQL re-reads the schema with it.
  const fetcher = useMemo(
    () => (manualToken ? manualFetcher(manualToken) : sessionFetcher()),
    [manualToken, session.kind],
  )

  return h(
    'div',
    { className: 'nexus-page' },
    h(TokenBar, { session, manualToken, onChange: setManualToken }),
    manualToken ? null : h(SignInBanner, { session }),
    h(
      'div',
      { className: 'nexus-graphiql' },
      h(GraphiQL, { fetcher, defaultQuery: DEFAULT_QUERY, defaultEditorToolsVisibility: true }),
    ),
  )
}

const root = document.getElementById('graphiql-root')
if (!root) throw new Error('#graphiql-root missing')
createRoot(root).render(h(StrictMode, null, h(App)))
