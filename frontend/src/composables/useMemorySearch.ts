import { ref, shallowRef, type Ref } from 'vue'
import { gql, toGraphQLRequestError, type GraphQLRequestError } from '@/api/client'

export interface MemoryHit {
  agentId: string
  file: string
  line: number
  snippet: string
}

export const MEMORY_SEARCH_QUERY = /* GraphQL */ `
  query MemorySearch($query: String!, $agentId: ID, $first: Int!) {
    memorySearch(query: $query, agentId: $agentId, first: $first) { agentId file line snippet }
  }
`

/** Searches one agent's memory (MEMORY.md, then daily notes newest first) on demand. */
export function useMemorySearch(agentId: Ref<string>, first = 20) {
  const hits = shallowRef<MemoryHit[] | null>(null)
  const searching = ref(false)
  const error = shallowRef<GraphQLRequestError | null>(null)
  const searched = ref('')
  let seq = 0

  async function search(text: string): Promise<void> {
    const query = text.trim()
    if (!query) {
      hits.value = null
      searched.value = ''
      return
    }
    const mine = ++seq
    searching.value = true
    error.value = null
    try {
      const data = await gql<{ memorySearch: MemoryHit[] }>(MEMORY_SEARCH_QUERY, {
        query: query.slice(0, 200),
        agentId: agentId.value,
        first,
      })
      if (mine !== seq) return
      hits.value = data.memorySearch
      searched.value = query
    } catch (e) {
      if (mine === seq) error.value = toGraphQLRequestError(e)
    } finally {
      if (mine === seq) searching.value = false
    }
  }

  return { hits, searching, error, searched, search }
}
