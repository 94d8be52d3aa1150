/**
 * graphiql.html — GraphiQL bundled locally (no CDN, no inline script: works under the server's
 * strict Content-Security-Policy), with a small bar to paste an access token.
 */
import { createElement as h, StrictMode, useMemo, useState, type FormEvent } from 'react'
import { createRoot } from 'react-dom/client'
import { GraphiQL } from 'graphiql'
import { createGraphiQLFetcher, type Fetcher } from '@graphiql/toolkit'
import 'graphiql/graphiql.css'
import './graphiql-page.css'
import {
  GRAPHQL_PATH,
  authHeaders,
  connectionParams,
  getAccessToken,
  graphqlWsUrl,
  setAccessToken,
} from '@/api/client'

/** A fetcher for the current token: `Authorization` header over HTTP, `connection_init`
 *  payload `{ authorization: 'Bearer …' }` over graphql-ws. Rebuilt when the token changes. */
function createFetcher(): Fetcher {
  return createGraphiQLFetcher({
    url: GRAPHQL_PATH,
    subscriptionUrl: graphqlWsUrl(),
    headers: authHeaders(),
    wsConnectionParams: connectionParams(),
  })
}

const DEFAULT_QUERY = `# Nexus GraphQL API. Paste an access token above for operations that need one.
query ServerStatus {
  serverStatus { version startedAt uptimeSeconds now }
}

# Subscriptions run over WebSocket (graphql-transport-ws) at /graphql/ws:
# subscription Heartbeat {
#   serverHeartbeat(intervalSeconds: 5) { uptimeSeconds now }
# }
`

function TokenBar(props: { token: string | null; onChange: (token: string | null) => void }) {
  const [draft, setDraft] = useState('')

  function save(event: FormEvent) {
    event.preventDefault()
    if (!draft.trim()) return
    props.onChange(draft)
    setDraft('')
  }

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
        placeholder: props.token ? 'token set — paste to replace' : 'paste an access token',
        value: draft,
        onChange: (e: { target: HTMLInputElement }) => setDraft(e.target.value),
      }),
      h('button', { type: 'submit', disabled: !draft.trim() }, 'Save'),
      h(
        'button',
        { type: 'button', disabled: !props.token, onClick: () => props.onChange(null) },
        'Clear',
      ),
      h(
        'span',
        { className: props.token ? 'nexus-token-state on' : 'nexus-token-state', role: 'status' },
        props.token ? 'authenticated requests' : 'anonymous',
      ),
    ),
  )
}

function App() {
  const [token, setToken] = useState<string | null>(getAccessToken)
  // Rebuilt per token: new headers for HTTP, new connection_init payload for the next socket.
  const fetcher = useMemo(() => createFetcher(), [token])

  function changeToken(next: string | null) {
    setAccessToken(next)
    setToken(getAccessToken())
  }

  return h(
    'div',
    { className: 'nexus-page' },
    h(TokenBar, { token, onChange: changeToken }),
    h('div', { className: 'nexus-graphiql' }, h(GraphiQL, { fetcher, defaultQuery: DEFAULT_QUERY, defaultEditorToolsVisibility: true })),
  )
}

const root = document.getElementById('graphiql-root')
if (!root) throw new Error('#graphiql-root missing')
createRoot(root).render(h(StrictMode, null, h(App)))
