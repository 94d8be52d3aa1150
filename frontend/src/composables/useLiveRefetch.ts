import { onScopeDispose, ref } from 'vue'
import { subscribe, type GraphQLRequestError } from '@/api/client'
import type { LiveState } from './useServerStatus'

/** How long events must settle before a live refetch runs. */
export const LIVE_DEBOUNCE_MS = 300

/**
 * Subscribes to `query` and calls `refetch` (debounced) for every event `accepts`.
 * Stops when the calling scope (component) is disposed.
 */
export function useLiveRefetch<E>(
  query: string,
  refetch: () => unknown,
  accepts: (event: E) => boolean = () => true,
  debounceMs = LIVE_DEBOUNCE_MS,
) {
  const liveState = ref<LiveState>('connecting')
  const liveError = ref<GraphQLRequestError | null>(null)
  let timer: ReturnType<typeof setTimeout> | undefined

  const stop = subscribe<E>(query, undefined, {
    next: (event) => {
      liveState.value = 'live'
      if (!accepts(event)) return
      clearTimeout(timer)
      timer = setTimeout(() => {
        timer = undefined
        void refetch()
      }, debounceMs)
    },
    error: (e) => {
      liveError.value = e
      liveState.value = 'error'
    },
    complete: () => {
      if (liveState.value !== 'error') liveState.value = 'closed'
    },
  })

  onScopeDispose(() => {
    clearTimeout(timer)
    stop()
  })

  return { liveState, liveError }
}
