import { computed, onScopeDispose, ref, shallowRef } from 'vue'
import { GraphQLRequestError, gql, subscribe, toGraphQLRequestError } from '@/api/client'

export interface ServerStatus {
  version: string
  startedAt: string
  uptimeSeconds: number
  now: string
}

export interface ServerHeartbeat {
  uptimeSeconds: number
  now: string
}

export const SERVER_STATUS_QUERY = /* GraphQL */ `
  query ServerStatus {
    serverStatus { version startedAt uptimeSeconds now }
  }
`

export const SERVER_HEARTBEAT_SUBSCRIPTION = /* GraphQL */ `
  subscription ServerHeartbeat($intervalSeconds: Int!) {
    serverHeartbeat(intervalSeconds: $intervalSeconds) { uptimeSeconds now }
  }
`

export type LiveState = 'idle' | 'connecting' | 'live' | 'closed' | 'error'

/**
 * The server's status (one query) plus a live heartbeat subscription that keeps the uptime
 * current. Starts at once; the subscription stops when the calling component unmounts.
 */
export function useServerStatus(intervalSeconds = 5) {
  const status = shallowRef<ServerStatus | null>(null)
  const loading = ref(false)
  const loaded = ref(false)
  const error = shallowRef<GraphQLRequestError | null>(null)

  const heartbeat = shallowRef<ServerHeartbeat | null>(null)
  const liveState = ref<LiveState>('idle')
  const liveError = shallowRef<GraphQLRequestError | null>(null)

  let controller: AbortController | null = null
  let stopLive: (() => void) | null = null

  async function refresh(): Promise<void> {
    controller?.abort()
    const ctrl = new AbortController()
    controller = ctrl
    loading.value = true
    error.value = null
    try {
      const data = await gql<{ serverStatus: ServerStatus | null }>(SERVER_STATUS_QUERY, undefined, {
        signal: ctrl.signal,
      })
      status.value = data.serverStatus
      loaded.value = true
    } catch (e) {
      if (ctrl.signal.aborted) return
      error.value = toGraphQLRequestError(e)
    } finally {
      if (controller === ctrl) {
        loading.value = false
        controller = null
      }
    }
  }

  function connect(): void {
    stopLive?.()
    liveState.value = 'connecting'
    liveError.value = null
    stopLive = subscribe<{ serverHeartbeat: ServerHeartbeat }>(
      SERVER_HEARTBEAT_SUBSCRIPTION,
      { intervalSeconds },
      {
        next: (data) => {
          heartbeat.value = data.serverHeartbeat
          liveState.value = 'live'
        },
        error: (e) => {
          liveError.value = e
          liveState.value = 'error'
        },
        complete: () => {
          if (liveState.value !== 'error') liveState.value = 'closed'
        },
      },
    )
  }

  function disconnect(): void {
    stopLive?.()
    stopLive = null
    if (liveState.value !== 'error') liveState.value = 'idle'
  }

  /** The freshest uptime: the heartbeat's if one arrived, else the query's. */
  const uptimeSeconds = computed(() => heartbeat.value?.uptimeSeconds ?? status.value?.uptimeSeconds ?? null)
  const serverNow = computed(() => heartbeat.value?.now ?? status.value?.now ?? null)
  const empty = computed(() => loaded.value && status.value === null)

  onScopeDispose(() => {
    controller?.abort()
    disconnect()
  })

  void refresh()
  connect()

  return {
    status,
    loading,
    error,
    empty,
    heartbeat,
    liveState,
    liveError,
    uptimeSeconds,
    serverNow,
    refresh,
    connect,
    disconnect,
  }
}
