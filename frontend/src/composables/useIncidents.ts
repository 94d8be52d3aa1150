import { computed, ref, shallowRef, watch, type Ref } from 'vue'
import { gql, toGraphQLRequestError, type GraphQLRequestError } from '@/api/client'
import { useLiveRefetch } from './useLiveRefetch'
import { useQuery } from './useQuery'
import { WORKSPACE_CHANGED_SUBSCRIPTION, type WorkspaceChange } from './useAgents'

export const INCIDENT_SEVERITIES = ['SEV1', 'SEV2', 'SEV3', 'SEV4'] as const
export const INCIDENT_STATUSES = ['OPEN', 'MITIGATED', 'RESOLVED'] as const
export type IncidentSeverity = (typeof INCIDENT_SEVERITIES)[number]
export type IncidentStatus = (typeof INCIDENT_STATUSES)[number]

/** The list's filters; null: any. */
export interface IncidentFilters {
  status: IncidentStatus | null
  severity: IncidentSeverity | null
}

export interface IncidentSummary {
  id: string
  fileName: string
  title: string
  severity: IncidentSeverity | null
  status: IncidentStatus | null
  startedAt: string | null
  resolvedAt: string | null
  owner: string | null
  services: string[]
  summary: string | null
  parseError: string | null
  modifiedAt: string
}

export interface IncidentDetail extends IncidentSummary {
  timeline: { at: string; text: string }[]
}

const FIELDS = 'id fileName title severity status startedAt resolvedAt owner services summary parseError modifiedAt'

export const INCIDENTS_QUERY = /* GraphQL */ `
  query Incidents($first: Int!, $after: String, $status: IncidentStatus, $severity: IncidentSeverity) {
    incidents(first: $first, after: $after, status: $status, severity: $severity) {
      totalCount
      nodes { ${FIELDS} }
      pageInfo { hasNextPage endCursor }
    }
  }
`

export interface IncidentPage {
  totalCount: number
  nodes: IncidentSummary[]
  pageInfo: { hasNextPage: boolean; endCursor: string | null }
}

/** The server's page limit. */
const MAX_PAGE = 100

export const INCIDENT_QUERY = /* GraphQL */ `
  query Incident($id: ID!) {
    incident(id: $id) { ${FIELDS} timeline { at text } }
  }
`

const isIncidentChange = ({ workspaceChanged: c }: { workspaceChanged: WorkspaceChange }) => c.kind === 'INCIDENT'

function fetchPage(filters: IncidentFilters, first: number, after: string | null, signal?: AbortSignal): Promise<IncidentPage> {
  // Unset filters and the first page's cursor are left out of the variables (the server's defaults).
  const variables = {
    first,
    ...(after ? { after } : {}),
    ...(filters.status ? { status: filters.status } : {}),
    ...(filters.severity ? { severity: filters.severity } : {}),
  }
  return gql<{ incidents: IncidentPage }>(INCIDENTS_QUERY, variables, { signal }).then((d) => d.incidents)
}

/** The first `count` incidents, in as many pages as that takes. */
async function fetchFirst(filters: IncidentFilters, count: number, signal: AbortSignal): Promise<IncidentPage> {
  let page = await fetchPage(filters, Math.min(MAX_PAGE, count), null, signal)
  const nodes = [...page.nodes]
  while (page.pageInfo.hasNextPage && page.pageInfo.endCursor && page.nodes.length > 0 && nodes.length < count) {
    page = await fetchPage(filters, Math.min(MAX_PAGE, count - nodes.length), page.pageInfo.endCursor, signal)
    nodes.push(...page.nodes)
  }
  return { ...page, nodes }
}

/**
 * Incident reports as the server orders them (open first), filtered by status and severity, a
 * page at a time ("Load more" appends the next page, after the last one's `endCursor`). A filter
 * change starts again at the first page; a live refetch (INCIDENT changes) reloads as many as are
 * shown, so the list does not shrink under the reader.
 */
export function useIncidents(filters: Ref<IncidentFilters>, pageSize = 20) {
  /** How many incidents the list shows: a page more with every "Load more". */
  let shown = pageSize
  const query = useQuery((signal) => fetchFirst(filters.value, shown, signal))
  const loadingMore = ref(false)
  const moreError = shallowRef<GraphQLRequestError | null>(null)
  const filterKey = () => `${filters.value.status ?? ''}|${filters.value.severity ?? ''}`

  watch(filterKey, () => {
    shown = pageSize
    moreError.value = null
    void query.refresh()
  })

  async function loadMore(): Promise<void> {
    const current = query.data.value
    const after = current?.pageInfo.endCursor
    if (!current?.pageInfo.hasNextPage || !after || loadingMore.value) return
    const key = filterKey()
    // A refetch that starts meanwhile loads the new page too.
    shown = current.nodes.length + pageSize
    loadingMore.value = true
    moreError.value = null
    try {
      const page = await fetchPage(filters.value, pageSize, after)
      // Reloaded or refiltered meanwhile: that answer is newer, this page belongs to the old list.
      if (query.data.value !== current || filterKey() !== key) return
      // A report added on top meanwhile shifts the later pages by one: a row must not appear twice.
      const seen = new Set(current.nodes.map((n) => n.id))
      query.data.value = { ...page, nodes: [...current.nodes, ...page.nodes.filter((n) => !seen.has(n.id))] }
    } catch (e) {
      if (query.data.value !== current) return
      shown = current.nodes.length
      moreError.value = toGraphQLRequestError(e)
    } finally {
      loadingMore.value = false
    }
  }

  const live = useLiveRefetch(WORKSPACE_CHANGED_SUBSCRIPTION, query.refresh, isIncidentChange)
  return { ...query, ...live, loadMore, loadingMore, moreError, empty: computed(() => query.data.value?.nodes.length === 0) }
}

/** Parses a filter value from the URL: one of `allowed`, else null (junk is ignored). */
export function parseFilter<T extends string>(value: unknown, allowed: readonly T[]): T | null {
  return typeof value === 'string' && (allowed as readonly string[]).includes(value) ? (value as T) : null
}

/** One incident with its timeline, live on INCIDENT changes. */
export function useIncident(id: Ref<string>) {
  const query = useQuery((signal) =>
    gql<{ incident: IncidentDetail | null }>(INCIDENT_QUERY, { id: id.value }, { signal }).then((d) => d.incident),
  )
  const live = useLiveRefetch(WORKSPACE_CHANGED_SUBSCRIPTION, query.refresh, isIncidentChange)
  return { ...query, ...live }
}
