/**
 * Session state for the dashboard (Pinia only holds this; page data lives in composables).
 *
 * The mechanics — the in-memory access token, refreshing, retries — are in `@/api/client`;
 * this store mirrors who is signed in for the UI and the router, and offers the actions.
 * The access token itself is deliberately not part of the store's state.
 */
import { defineStore } from 'pinia'
import { computed, onScopeDispose, ref, shallowRef } from 'vue'
import {
  changePassword as changePasswordOnServer,
  login,
  logout,
  onSessionChange,
  restoreSession,
  toGraphQLRequestError,
  type GraphQLRequestError,
  type SessionUser,
} from '@/api/client'

/** `unknown` until the first restore has answered. */
export type SessionStatus = 'unknown' | 'restoring' | 'signed-in' | 'signed-out'

/** Why the last session ended: the user signed out, or the server refused to refresh it. */
export type EndReason = 'signed-out' | 'expired'

export const useSessionStore = defineStore('session', () => {
  const status = ref<SessionStatus>('unknown')
  const user = shallowRef<SessionUser | null>(null)
  const endReason = ref<EndReason | null>(null)
  /** Set when the session could not be restored because the server could not be asked. */
  const restoreError = shallowRef<GraphQLRequestError | null>(null)
  const signedIn = computed(() => status.value === 'signed-in')
  /** Whether the user may steer work and edit workspace files (OPERATOR or OWNER; VIEWERs only read).
   *  The server checks again: this only decides which controls the UI offers. */
  const canOperate = computed(() => user.value?.role === 'OPERATOR' || user.value?.role === 'OWNER')
  /** Whether the user manages users (OWNER). The server checks again. */
  const isOwner = computed(() => user.value?.role === 'OWNER')

  const stop = onSessionChange((change) => {
    if (change.type === 'ended') {
      user.value = null
      status.value = 'signed-out'
      endReason.value = change.reason
    } else {
      user.value = change.user
      status.value = 'signed-in'
      endReason.value = null
      restoreError.value = null
    }
  })
  onScopeDispose(stop)

  let restoring: Promise<void> | null = null

  /** Once per page load: asks the server whether the refresh cookie still carries a session.
   *  Later calls return the same promise (the router's guard awaits it on every navigation). */
  function restore(): Promise<void> {
    restoring ??= (async () => {
      status.value = 'restoring'
      try {
        const restored = await restoreSession()
        if (!restored) status.value = 'signed-out'
      } catch (e) {
        restoreError.value = toGraphQLRequestError(e)
        status.value = 'signed-out'
      }
    })()
    return restoring
  }

  /** Signs in; rejects with the server's `GraphQLRequestError` (shown by the sign-in page). */
  async function signIn(username: string, password: string): Promise<void> {
    await login(username, password)
  }

  /** Signs out here and on the server (its answer does not matter: the local session ends). */
  async function signOut(): Promise<void> {
    await logout()
  }

  /** Changes the password; this page goes on with the new session the server returns. Rejects
   *  with the server's `GraphQLRequestError` (shown by the account page). */
  async function changePassword(currentPassword: string, newPassword: string): Promise<void> {
    await changePasswordOnServer(currentPassword, newPassword)
  }

  return { status, user, endReason, restoreError, signedIn, canOperate, isOwner, restore, signIn, signOut, changePassword }
})
