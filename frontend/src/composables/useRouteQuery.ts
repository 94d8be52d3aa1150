import { onBeforeUnmount, reactive, watch } from 'vue'
import { useRoute, useRouter, type LocationQueryRaw, type Router } from 'vue-router'

/** The query of a navigation that has not landed yet, per router: every `setQuery` of a page
 *  (its selects, its text boxes) builds on the same one. */
const pendingQuery = new WeakMap<Router, LocationQueryRaw>()

/**
 * Changes to the page's URL query (filters that belong in the address). Changes made in quick
 * succession build on each other, not on the query of a navigation that has not landed yet —
 * otherwise a second change would undo the first.
 */
export function useRouteQuery() {
  const route = useRoute()
  const router = useRouter()

  /** Merges `changes` into the query; `undefined` or blank values are removed. */
  function setQuery(changes: LocationQueryRaw): Promise<unknown> {
    const query: LocationQueryRaw = { ...(pendingQuery.get(router) ?? route.query), ...changes }
    for (const key of Object.keys(query)) if (query[key] === undefined || query[key] === '') delete query[key]
    pendingQuery.set(router, query)
    return router.replace({ query }).finally(() => {
      if (pendingQuery.get(router) === query) pendingQuery.delete(router)
    })
  }

  return { setQuery }
}

/** Typing in a filter box waits this long before the URL (and the list) follows. */
export const TEXT_FILTER_DEBOUNCE_MS = 300

/**
 * Filter text boxes whose values live in the URL query, e.g. `{ q: 'q', assignee: 'assignee' }`
 * (box name → query key). `text` holds what is typed; `onInput` applies it after a pause,
 * `apply` at once (Enter); blank values leave the query. A URL change from elsewhere (back
 * button, a link) updates the boxes, unless they already say the same modulo spaces.
 */
export function useQueryText<K extends string>(keys: Record<K, string>, current: () => Record<K, string>) {
  const { setQuery } = useRouteQuery()
  const names = Object.keys(keys) as K[]
  const text = reactive({ ...current() }) as Record<K, string>
  watch(current, (now) => {
    for (const name of names) if (now[name] !== text[name].trim()) text[name] = now[name]
  })
  let timer: ReturnType<typeof setTimeout> | undefined
  function apply(): void {
    clearTimeout(timer)
    void setQuery(Object.fromEntries(names.map((name) => [keys[name], text[name].trim() || undefined])))
  }
  function onInput(): void {
    clearTimeout(timer)
    timer = setTimeout(apply, TEXT_FILTER_DEBOUNCE_MS)
  }
  onBeforeUnmount(() => clearTimeout(timer))
  return { text, apply, onInput }
}
