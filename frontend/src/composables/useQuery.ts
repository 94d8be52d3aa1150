import { computed, onScopeDispose, ref, shallowRef, type Ref, type ShallowRef } from 'vue'
import { GraphQLRequestError, toGraphQLRequestError } from '@/api/client'

export interface QueryState<T> {
  data: ShallowRef<T | null>
  loading: Ref<boolean>
  /** Set once the first answer (data or error) arrived. */
  loaded: Ref<boolean>
  error: ShallowRef<GraphQLRequestError | null>
  /** Runs the query again; an older request still under way is aborted. */
  refresh: () => Promise<void>
  hasData: Readonly<Ref<boolean>>
}

/**
 * One page query: `run(signal)` fetches (through `gql`), the latest result wins. A refetch keeps
 * the data on screen while it runs (no flashing back to a spinner on live updates).
 */
export function useQuery<T>(run: (signal: AbortSignal) => Promise<T>, options: { immediate?: boolean } = {}): QueryState<T> {
  const data = shallowRef<T | null>(null)
  const loading = ref(false)
  const loaded = ref(false)
  const error = shallowRef<GraphQLRequestError | null>(null)
  let controller: AbortController | null = null
  let disposed = false

  async function refresh(): Promise<void> {
    if (disposed) return // e.g. an action that finished after the page was left
    controller?.abort()
    const ctrl = new AbortController()
    controller = ctrl
    loading.value = true
    try {
      const result = await run(ctrl.signal)
      if (ctrl.signal.aborted) return
      data.value = result
      error.value = null
    } catch (e) {
      if (ctrl.signal.aborted) return
      error.value = toGraphQLRequestError(e)
    } finally {
      if (controller === ctrl) {
        loading.value = false
        loaded.value = true
        controller = null
      }
    }
  }

  onScopeDispose(() => {
    disposed = true
    controller?.abort()
  })
  if (options.immediate !== false) void refresh()

  return { data, loading, loaded, error, refresh, hasData: computed(() => data.value !== null) }
}
