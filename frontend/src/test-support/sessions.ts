/**
 * Handlers that sign a page test in with another role than the default OWNER.
 */
import { answers, sessionPayload, type Handler } from './fake-api'

export const VIEWER = { id: 'u2', username: 'viv', displayName: 'Viv Viewer', role: 'VIEWER' } as const

/** Pass to `renderSignedIn` (spread into the handlers) to be signed in as a VIEWER. */
export const asViewer: Record<string, Handler> = {
  RefreshSession: () => answers.data({ refreshSession: { ...sessionPayload('tok'), user: VIEWER } }),
}
