import { onScopeDispose, ref, shallowRef } from 'vue'
import { toGraphQLRequestError, type GraphQLRequestError } from '@/api/client'
import { useQuery, type QueryState } from './useQuery'

/** The largest page the server gives (DESIGN.md §4). */
export const MAX_PAGE = 100

export interface PageInfo {
  hasNextPage: boolean
  endCursor: string | null
}

/** A Relay connection as the pages ask for it. */
export interface Connection<T> {
  totalCount: number
  nodes: T[]
  pageInfo: PageInfo
}

export interface PageArgs {
  first: number
  after?: string
}

/** `shown` followed by the page after it. Items already shown are dropped: something added on top
 *  meanwhile shifts the later pages by one, and a row must not appear twice. */
export function appendPage<T extends { id: string }>(shown: Connection<T>, next: Connection<T>): Connection<T> {
  const seen = new Set(shown.nodes.map((n) => n.id))
  return {
    totalCount: next.totalCount,
    nodes: [...shown.nodes, ...next.nodes.filter((n) => !seen.has(n.id))],
    pageInfo: next.pageInfo,
  }
}

/** How many items a refetch asks for: as many as are shown (at least a page, at most `MAX_PAGE`). */
export function refetchSize(shown: number, pageSize: number): number {
  return Math.min(MAX_PAGE, Math.max(pageSize, shown))
}

/**
 * A cursor-paged list with "Load more": `fetchPage({ first, after }, signal)` fetches one page.
 * `refresh()` (live updates, retry) reloads from the top as many items as are shown, so the list
 * does not shrink to one page under the reader's eyes; `reload()` (a new filter) starts over
 * with one page. `loadMore()` appends the next page, unless a refetch replaced the list meanwhile.
 */
export function usePagedQuery<T extends { id: string }>(
  fetchPage: (args: PageArgs, signal: AbortSignal) => Promise<Connection<T>>,
  pageSize = 20,
  options: { immediate?: boolean } = {},
) {
  let fromTop = true
  const query: QueryState<Connection<T>> = useQuery(
    (signal): Promise<Connection<T>> => {
      const first = fromTop ? pageSize : refetchSize(query.data.value?.nodes.length ?? 0, pageSize)
      fromTop = false
      return fetchPage({ first }, signal)
    },
    { immediate: false },
  )
  const loadingMore = ref(false)
  const moreError = shallowRef<GraphQLRequestError | null>(null)
  let moreController: AbortController | null = null

  async function loadMore(): Promise<void> {
    const shown = query.data.value
    if (!shown?.pageInfo.hasNextPage || !shown.pageInfo.endCursor || loadingMore.value) return
    const ctrl = new AbortController()
    moreController = ctrl
    loadingMore.value = true
    moreError.value = null
    try {
      const next = await fetchPage({ first: pageSize, after: shown.pageInfo.endCursor }, ctrl.signal)
      if (ctrl.signal.aborted || query.data.value !== shown) return // a refetch brought a newer list
      query.data.value = appendPage(shown, next)
    } catch (e) {
      if (!ctrl.signal.aborted && query.data.value === shown) moreError.value = toGraphQLRequestError(e)
    } finally {
      if (moreController === ctrl) {
        moreController = null
        loadingMore.value = false
      }
    }
  }

  function reload(): Promise<void> {
    fromTop = true
    moreController?.abort()
    moreError.value = null
    return query.refresh()
  }

  onScopeDispose(() => moreController?.abort())
  if (options.immediate !== false) void reload()

  return { ...query, reload, loadMore, loadingMore, moreError }
}
