import { computed, watch, type Ref } from 'vue'
import type { RouteLocationRaw } from 'vue-router'
import { gql } from '@/api/client'
import { useLiveRefetch } from './useLiveRefetch'
import { useQuery } from './useQuery'
import { WORKSPACE_CHANGED_SUBSCRIPTION, type WorkspaceChange } from './useAgents'

export interface MemoryHit {
  agentId: string
  file: string
  line: number
  snippet: string
}

/** The server accepts 1–200 characters. */
export const MAX_SEARCH_LENGTH = 200

export const MEMORY_SEARCH_QUERY = /* GraphQL */ `
  query MemorySearch($query: String!, $agentId: ID, $first: Int!) {
    memorySearch(query: $query, agentId: $agentId, first: $first) { agentId file line snippet }
  }
`

/**
 * Searches agent memory (per agent: MEMORY.md, then daily notes newest first) for `text` — one
 * agent's (`agentId`) or, with `agentId` null, the whole team's. Runs whenever the text changes
 * (nothing for empty text) and again on MEMORY changes it could concern. `data.query` is the text
 * the hits are for.
 */
export function useMemorySearch(agentId: Ref<string | null>, text: Ref<string>, first = 20) {
  const query = computed(() => text.value.trim().slice(0, MAX_SEARCH_LENGTH))
  const search = useQuery(
    async (signal) => {
      const q = query.value
      if (!q) return null
      const variables = agentId.value === null ? { query: q, first } : { query: q, agentId: agentId.value, first }
      const data = await gql<{ memorySearch: MemoryHit[] }>(MEMORY_SEARCH_QUERY, variables, { signal })
      return { query: q, hits: data.memorySearch }
    },
    { immediate: false },
  )
  watch([query, agentId], () => void search.refresh(), { immediate: true })

  const live = useLiveRefetch<{ workspaceChanged: WorkspaceChange }>(
    WORKSPACE_CHANGED_SUBSCRIPTION,
    search.refresh,
    ({ workspaceChanged: c }) =>
      query.value !== '' && c.kind === 'MEMORY' && (agentId.value === null || c.agentId === agentId.value),
  )

  return {
    ...search,
    ...live,
    /** The hits on screen are for the current text (not a previous search still shown while the new one runs). */
    current: computed(() => search.data.value !== null && search.data.value.query === query.value),
    empty: computed(() => search.data.value?.hits.length === 0),
  }
}

/** Where a memory hit is read in full: the agent's long-term memory file or that day's note. */
export function memoryHitLink(hit: MemoryHit): RouteLocationRaw {
  const day = /^memory\/(\d{4}-\d{2}-\d{2})\.md$/.exec(hit.file)?.[1]
  return { path: `/agents/${encodeURIComponent(hit.agentId)}`, query: day ? { note: day } : { file: hit.file } }
}
