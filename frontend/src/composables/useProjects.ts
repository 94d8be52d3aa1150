import { computed, ref, watch, type Ref } from 'vue'
import { gql } from '@/api/client'
import type { TaskState } from './useDashboard'
import { DASHBOARD_CHANGED_SUBSCRIPTION } from './useDashboard'
import { useLiveRefetch } from './useLiveRefetch'
import { usePagedQuery, type Connection } from './usePagedQuery'

export type ProjectStatus = 'ACTIVE' | 'ON_HOLD' | 'COMPLETED'

export interface StateCount {
  state: TaskState
  count: number
}

export interface ProjectSummary {
  id: string
  slug: string
  name: string
  status: ProjectStatus
  archived: boolean
  leadAgentId: string | null
  updatedAt: string
  taskCounts: StateCount[]
}

/** What the projects list shows; the page keeps it in the URL query. */
export interface ProjectListFilter {
  search: string
  status: ProjectStatus | null
  includeArchived: boolean
}

export interface NewProject {
  name: string
  slug: string
  description?: string
  leadAgentId?: string
  status?: ProjectStatus
}

const SUMMARY = 'id slug name status archived leadAgentId updatedAt taskCounts { state count }'

export const PROJECTS_QUERY = /* GraphQL */ `
  query Projects($first: Int, $after: String, $filter: ProjectFilter) {
    projects(first: $first, after: $after, filter: $filter) {
      totalCount
      pageInfo { hasNextPage endCursor }
      nodes { ${SUMMARY} }
    }
  }
`

export const CREATE_PROJECT_MUTATION = /* GraphQL */ `
  mutation CreateProject($input: CreateProjectInput!) {
    createProject(input: $input) { project { id slug name } }
  }
`

/** The `ProjectFilter` for what the page shows: blank search and no status are left out. */
export function projectFilterVariables(filter: ProjectListFilter): Record<string, unknown> {
  const search = filter.search.trim()
  return {
    includeArchived: filter.includeArchived,
    ...(search ? { search: search.slice(0, 200) } : {}),
    ...(filter.status ? { status: filter.status } : {}),
  }
}

/**
 * The projects list (newest first, cursor-paged), for `filter`; a new filter starts over with
 * one page. Any task or project change (`dashboardChanged`) refetches what is shown, since the
 * task counts move with every transition.
 */
export function useProjects(filter: Ref<ProjectListFilter>, pageSize = 20) {
  const list = usePagedQuery<ProjectSummary>((page, signal) =>
    gql<{ projects: Connection<ProjectSummary> }>(
      PROJECTS_QUERY,
      { ...page, filter: projectFilterVariables(filter.value) },
      { signal },
    ).then((d) => d.projects),
  pageSize)
  watch(
    () => JSON.stringify(projectFilterVariables(filter.value)),
    () => void list.reload(),
  )
  const live = useLiveRefetch(DASHBOARD_CHANGED_SUBSCRIPTION, list.refresh)
  return { ...list, ...live, empty: computed(() => list.data.value?.nodes.length === 0) }
}

/** `createProject`; rejects with the server's error (the form shows field errors next to the field). */
export function useCreateProject() {
  const busy = ref(false)
  async function create(input: NewProject): Promise<{ id: string; slug: string; name: string }> {
    busy.value = true
    try {
      const data = await gql<{ createProject: { project: { id: string; slug: string; name: string } } }>(
        CREATE_PROJECT_MUTATION,
        { input },
      )
      return data.createProject.project
    } finally {
      busy.value = false
    }
  }
  return { busy, create }
}
