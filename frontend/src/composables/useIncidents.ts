import { computed, type Ref } from 'vue'
import { gql } from '@/api/client'
import { useLiveRefetch } from './useLiveRefetch'
import { useQuery } from './useQuery'
import { WORKSPACE_CHANGED_SUBSCRIPTION, type WorkspaceChange } from './useAgents'

export type IncidentSeverity = 'SEV1' | 'SEV2' | 'SEV3' | 'SEV4'
export type IncidentStatus = 'OPEN' | 'MITIGATED' | 'RESOLVED'

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
  query Incidents($first: Int!) {
    incidents(first: $first) { totalCount nodes { ${FIELDS} } pageInfo { hasNextPage endCursor } }
  }
`

export const INCIDENT_QUERY = /* GraphQL */ `
  query Incident($id: ID!) {
    incident(id: $id) { ${FIELDS} timeline { at text } }
  }
`

const isIncidentChange = ({ workspaceChanged: c }: { workspaceChanged: WorkspaceChange }) => c.kind === 'INCIDENT'

/** Incident reports as the server orders them (open first), live on INCIDENT changes. */
export function useIncidents(first = 100) {
  const query = useQuery((signal) =>
    gql<{ incidents: { totalCount: number; nodes: IncidentSummary[]; pageInfo: { hasNextPage: boolean } } }>(
      INCIDENTS_QUERY,
      { first },
      { signal },
    ).then((d) => d.incidents),
  )
  const live = useLiveRefetch(WORKSPACE_CHANGED_SUBSCRIPTION, query.refresh, isIncidentChange)
  return { ...query, ...live, empty: computed(() => query.data.value?.nodes.length === 0) }
}

/** One incident with its timeline, live on INCIDENT changes. */
export function useIncident(id: Ref<string>) {
  const query = useQuery((signal) =>
    gql<{ incident: IncidentDetail | null }>(INCIDENT_QUERY, { id: id.value }, { signal }).then((d) => d.incident),
  )
  const live = useLiveRefetch(WORKSPACE_CHANGED_SUBSCRIPTION, query.refresh, isIncidentChange)
  return { ...query, ...live }
}
