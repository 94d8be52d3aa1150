import { useRoute, useRouter, type LocationQueryRaw } from 'vue-router'

/**
 * Changes to the page's URL query (filters that belong in the address). Changes made in quick
 * succession build on each other, not on the query of a navigation that has not landed yet —
 * otherwise a second change would undo the first.
 */
export function useRouteQuery() {
  const route = useRoute()
  const router = useRouter()
  let pending: LocationQueryRaw | null = null

  /** Merges `changes` into the query; `undefined` or blank values are removed. */
  function setQuery(changes: LocationQueryRaw): Promise<unknown> {
    const query: LocationQueryRaw = { ...(pending ?? route.query), ...changes }
    for (const key of Object.keys(query)) if (query[key] === undefined || query[key] === '') delete query[key]
    pending = query
    return router.replace({ query }).finally(() => {
      if (pending === query) pending = null
    })
  }

  return { setQuery }
}
