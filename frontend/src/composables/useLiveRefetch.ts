import { onScopeDispose, ref, watch } from 'vue'
import { subscribe, type GraphQLRequestError } from '@/api/client'
import type { LiveState } from './useServerStatus'

/** How long events must settle before a live refetch runs. */
export const LIVE_DEBOUNCE_MS = 300

const NO_VARIABLES: Record<string, unknown> = {}

/**
 * Subscribes to `query` and calls `refetch` (debounced) for every event `accepts`.
 * Stops when the calling scope (component) is disposed. (A subscription without arguments:
 * `useScopedLiveRefetch` with none, which also handles `EVENTS_MISSED`.)
 */
export function useLiveRefetch<E>(
  query: string,
  refetch: () => unknown,
  accepts: (event: E) => boolean = () => true,
  debounceMs = LIVE_DEBOUNCE_MS,
) {
  return useScopedLiveRefetch<E>(query, () => NO_VARIABLES, refetch, accepts, debounceMs)
}

/**
 * Like `useLiveRefetch`, for a subscription with arguments (`taskChanged(projectId:)`): subscribes
 * with what `variables()` returns and subscribes anew when that changes; while it is null (the
 * page does not know the project's id yet) nothing is subscribed. Letting the server filter
 * spares every page the events of all other projects.
 */
export function useScopedLiveRefetch<E>(
  query: string,
  variables: () => Record<string, unknown> | null,
  refetch: () => unknown,
  accepts: (event: E) => boolean = () => true,
  debounceMs = LIVE_DEBOUNCE_MS,
) {
  const liveState = ref<LiveState>('connecting')
  const liveError = ref<GraphQLRequestError | null>(null)
  let timer: ReturnType<typeof setTimeout> | undefined
  let stop: (() => void) | undefined
  let generation = 0

  // Keyed by value: a getter that builds a new object on every run must not resubscribe.
  watch(
    () => {
      const vars = variables()
      return vars === null ? null : JSON.stringify(vars)
    },
    (key) => {
      stop?.()
      stop = undefined
      generation++ // the stopped subscription's late callbacks must not touch the state
      liveState.value = 'connecting'
      liveError.value = null
      if (key === null) return
      start(key)
    },
    { immediate: true },
  )

  function start(key: string) {
    const mine = ++generation
    stop = subscribe<E>(query, JSON.parse(key) as Record<string, unknown>, {
      next: (event) => {
        if (mine !== generation) return
        liveState.value = 'live'
        if (!accepts(event)) return
        clearTimeout(timer)
        timer = setTimeout(() => {
          timer = undefined
          void refetch()
        }, debounceMs)
      },
      error: (e) => {
        if (mine !== generation) return
        if (missedEvents(e)) {
          // The server lost some events for us and ended the subscription: catch up, listen again.
          clearTimeout(timer)
          void refetch()
          stop?.()
          start(key)
          return
        }
        liveError.value = e
        liveState.value = 'error'
      },
      complete: () => {
        if (mine === generation && liveState.value !== 'error') liveState.value = 'closed'
      },
      started: () => {
        if (mine === generation && liveState.value === 'connecting') liveState.value = 'live'
      },
    })
  }

  onScopeDispose(() => {
    generation++
    clearTimeout(timer)
    stop?.()
  })

  return { liveState, liveError }
}

/** Whether the server ended a subscription because events were lost on the way (its listener
 *  reconnected, or this subscriber fell behind): the answer is to refetch and subscribe again. */
export function missedEvents(e: GraphQLRequestError): boolean {
  return e.code === 'UNAVAILABLE' && e.reason === 'EVENTS_MISSED'
}

/** One live state for a page with several subscriptions: an error wins, then live. */
export function combinedLiveState(...states: LiveState[]): LiveState {
  if (states.includes('error')) return 'error'
  if (states.includes('live')) return 'live'
  return states[0] ?? 'idle'
}
