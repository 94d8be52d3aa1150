import { computed, ref, shallowRef, watch, type Ref } from 'vue'
import { gql, toGraphQLRequestError, type GraphQLRequestError } from '@/api/client'
import type { TaskState } from './useDashboard'
import { docPath } from './useDocs'
import type { ProjectStatus } from './useProjects'

/** Typing waits this long before the search runs. */
export const SEARCH_DEBOUNCE_MS = 250
/** Shorter text is not searched (too many hits to be useful). */
export const MIN_SEARCH_LENGTH = 2
/** The server's limit for search text. */
export const MAX_SEARCH_LENGTH = 200

/** Projects, tasks and docs matching one text, in one request (each list capped). */
export const GLOBAL_SEARCH_QUERY = /* GraphQL */ `
  query GlobalSearch($q: String!) {
    projects(first: 5, filter: { search: $q, includeArchived: true }) { nodes { id slug name status archived } }
    tasks(first: 8, filter: { search: $q }) { nodes { id title state project { name } } }
    docSearch(query: $q, first: 5) { path title line snippet }
  }
`

interface SearchAnswer {
  projects: { nodes: { id: string; slug: string; name: string; status: ProjectStatus; archived: boolean }[] }
  tasks: { nodes: { id: string; title: string; state: TaskState; project: { name: string } }[] }
  docSearch: { path: string; title: string; line: number; snippet: string }[]
}

/** One hit, ready to show and to open. */
export interface SearchHit {
  kind: 'project' | 'task' | 'doc'
  key: string
  title: string
  detail: string
  to: string | { path: string; query: Record<string, string> }
}

/** Flattens an answer into hits, projects first, then tasks, then docs. */
export function searchHits(answer: SearchAnswer, q: string): SearchHit[] {
  return [
    ...answer.projects.nodes.map((p): SearchHit => ({
      kind: 'project',
      key: `project:${p.id}`,
      title: p.name,
      detail: p.archived ? `${p.slug} · archived` : p.slug,
      to: `/projects/${encodeURIComponent(p.slug)}`,
    })),
    ...answer.tasks.nodes.map((t): SearchHit => ({
      kind: 'task',
      key: `task:${t.id}`,
      title: t.title,
      detail: t.project.name,
      to: `/tasks/${encodeURIComponent(t.id)}`,
    })),
    ...answer.docSearch.map((d): SearchHit => ({
      kind: 'doc',
      key: `doc:${d.path}:${d.line}`,
      title: d.title,
      detail: `${d.path}:${d.line} — ${d.snippet.trim()}`,
      to: { path: docPath(d.path), query: { q, line: String(d.line) } },
    })),
  ]
}

/**
 * Searches projects, tasks and docs for `text` as it is typed (debounced, at least
 * `MIN_SEARCH_LENGTH` characters); an answer to older text is dropped.
 */
export function useSearch(text: Ref<string>) {
  const hits = shallowRef<SearchHit[]>([])
  const searching = ref(false)
  const error = shallowRef<GraphQLRequestError | null>(null)
  /** The text the shown hits belong to ('' before the first search). */
  const searched = ref('')
  let timer: ReturnType<typeof setTimeout> | undefined
  let controller: AbortController | null = null

  async function run(q: string): Promise<void> {
    controller?.abort()
    const ctrl = new AbortController()
    controller = ctrl
    searching.value = true
    try {
      const answer = await gql<SearchAnswer>(GLOBAL_SEARCH_QUERY, { q }, { signal: ctrl.signal })
      if (ctrl.signal.aborted) return
      hits.value = searchHits(answer, q)
      searched.value = q
      error.value = null
    } catch (e) {
      if (!ctrl.signal.aborted) error.value = toGraphQLRequestError(e)
    } finally {
      if (controller === ctrl) {
        controller = null
        searching.value = false
      }
    }
  }

  watch(text, (value) => {
    clearTimeout(timer)
    const q = value.trim().slice(0, MAX_SEARCH_LENGTH)
    if (q.length < MIN_SEARCH_LENGTH) {
      controller?.abort()
      hits.value = []
      searched.value = ''
      searching.value = false
      error.value = null
      return
    }
    timer = setTimeout(() => void run(q), SEARCH_DEBOUNCE_MS)
  })

  function stop(): void {
    clearTimeout(timer)
    controller?.abort()
  }

  return { hits, searching, error, searched, stop, empty: computed(() => !!searched.value && hits.value.length === 0) }
}
