import { computed, ref, shallowRef, watch, type Ref } from 'vue'
import { gql, toGraphQLRequestError, type GraphQLRequestError } from '@/api/client'
import { TASK_STATES } from '@/lib/labels'
import type { DashboardTask, TaskState } from './useDashboard'
import type { ProjectStatus, ProjectSummary } from './useProjects'
import { useActions } from './useActions'
import { combinedLiveState, useScopedLiveRefetch } from './useLiveRefetch'
import { appendPage, refetchSize, usePagedQuery, type Connection } from './usePagedQuery'
import { useQuery } from './useQuery'

export type TaskPriority = DashboardTask['priority']

export interface ProjectDetail extends ProjectSummary {
  description: string
  archivedAt: string | null
  createdAt: string
  version: number
}

/** A task as the project board and the task lists show it. */
export interface ProjectTask extends DashboardTask {
  dueDate: string | null
  labels: string[]
}

/** One entry of a project's or a task's activity feed. */
export interface ActivityItem {
  id: string
  kind: string
  summary: string
  detail: string | null
  createdAt: string
  fromState: TaskState | null
  toState: TaskState | null
  elapsedSeconds: number | null
  taskId: string | null
  actor: { kind: 'USER' | 'AGENT' | 'SYSTEM'; id: string | null; name: string }
  /** Asked for by feeds that span projects (the overview's). */
  project?: { name: string; slug: string }
}

/** The board's filter; the page keeps it in the URL query. */
export interface TaskListFilter {
  search: string
  assigneeId: string
  priority: TaskPriority | null
}

export interface NewTask {
  title: string
  description?: string
  priority?: string
  assigneeId?: string
  dueDate?: string
  labels?: string[]
}

export type Board = Record<TaskState, Connection<ProjectTask>>

export interface TaskChanged {
  taskChanged: { kind: string; projectId: string; taskId: string }
}

export interface ActivityAdded {
  activityAdded: { id: string; kind: string; projectId: string; taskId: string | null }
}

export const ACTIVITY_ENTRY_FIELDS = 'id kind summary detail createdAt fromState toState elapsedSeconds taskId actor { kind id name }'
export const TASK_LIST_FIELDS =
  'id title state priority priorityLabel version assigneeId stateChangedAt blockedFrom dueDate labels project { id name slug }'
const PAGE = (fields: string) => `totalCount pageInfo { hasNextPage endCursor } nodes { ${fields} }`

export const PROJECT_QUERY = /* GraphQL */ `
  query Project($slug: String!) {
    project(slug: $slug) {
      id slug name status archived archivedAt leadAgentId description createdAt updatedAt version
      taskCounts { state count }
    }
  }
`

// One request for the whole board: a connection per state (aliased by the state's name), so each
// column has its own total and "Load more" under the filter, however the states are mixed.
const column = (state: TaskState) => `
    ${state}: tasks(
      first: $first
      filter: { projectId: $projectId, states: [${state}], search: $search, assigneeId: $assigneeId, priorities: $priorities }
    ) { ${PAGE(TASK_LIST_FIELDS)} }`

export const PROJECT_TASKS_QUERY = /* GraphQL */ `
  query ProjectTasks($projectId: ID!, $first: Int, $search: String, $assigneeId: ID, $priorities: [TaskPriority!]) {${TASK_STATES.map(column).join('')}
  }
`

export const TASK_PAGE_QUERY = /* GraphQL */ `
  query TaskPage($first: Int, $after: String, $filter: TaskFilter!) {
    tasks(first: $first, after: $after, filter: $filter) { ${PAGE(TASK_LIST_FIELDS)} }
  }
`

export const PROJECT_ACTIVITY_QUERY = /* GraphQL */ `
  query ProjectActivity($slug: String!, $first: Int, $after: String) {
    project(slug: $slug) { id activity(first: $first, after: $after) { ${PAGE(ACTIVITY_ENTRY_FIELDS)} } }
  }
`

export const CREATE_TASK_MUTATION = /* GraphQL */ `
  mutation CreateTask($input: CreateTaskInput!) {
    createTask(input: $input) { task { id title state version } }
  }
`

export const ARCHIVE_PROJECT_MUTATION = /* GraphQL */ `
  mutation ArchiveProject($input: ArchiveProjectInput!) {
    archiveProject(input: $input) { project { id archived version } }
  }
`

export const UNARCHIVE_PROJECT_MUTATION = /* GraphQL */ `
  mutation UnarchiveProject($input: ArchiveProjectInput!) {
    unarchiveProject(input: $input) { project { id archived version } }
  }
`

export const UPDATE_PROJECT_MUTATION = /* GraphQL */ `
  mutation UpdateProject($input: UpdateProjectInput!) {
    updateProject(input: $input) { project { id slug name version } }
  }
`

export const DELETE_PROJECT_MUTATION = /* GraphQL */ `
  mutation DeleteProject($input: DeleteProjectInput!) {
    deleteProject(input: $input) { projectId deletedTaskCount }
  }
`

/** What the edit form sends: every field, so the stored project becomes what the form shows
 *  (`leadAgentId: null` clears the lead). */
export interface ProjectChanges {
  name: string
  slug: string
  description: string
  leadAgentId: string | null
  status: ProjectStatus
}

export const TASK_CHANGED_SUBSCRIPTION = /* GraphQL */ `
  subscription TaskChanged($projectId: ID) { taskChanged(projectId: $projectId) { kind projectId taskId } }
`

export const ACTIVITY_ADDED_SUBSCRIPTION = /* GraphQL */ `
  subscription ActivityAdded($projectId: ID) { activityAdded(projectId: $projectId) { id kind projectId taskId } }
`

export const EMPTY_PAGE: Connection<never> = { totalCount: 0, nodes: [], pageInfo: { hasNextPage: false, endCursor: null } }

/** The `TaskFilter` fields of the board's filter (without project and state); blanks are left out. */
export function taskFilterVariables(filter: TaskListFilter): Record<string, unknown> {
  const search = filter.search.trim()
  const assigneeId = filter.assigneeId.trim()
  return {
    ...(search ? { search: search.slice(0, 200) } : {}),
    ...(assigneeId ? { assigneeId } : {}),
    ...(filter.priority ? { priorities: [filter.priority] } : {}),
  }
}

/**
 * One project by slug: its header, its tasks as a board of columns per state (filtered, each
 * column paged), its activity feed (newest first, paged), creating tasks and archiving. Live:
 * `taskChanged(projectId)` refetches the board, `activityAdded(projectId)` the feed and the
 * header (its task counts, and the project's own changes).
 */
export function useProject(slug: Ref<string>, filter: Ref<TaskListFilter>, pageSize = 20) {
  const project = useQuery((signal) =>
    gql<{ project: ProjectDetail | null }>(PROJECT_QUERY, { slug: slug.value }, { signal }).then((d) => d.project),
  )
  const projectId = computed(() => project.data.value?.id ?? null)

  // --- the board ---------------------------------------------------------------------------
  let boardFromTop = true
  const board = useQuery(
    async (signal): Promise<Board | null> => {
      const id = projectId.value
      if (!id) return null
      const shown = Math.max(0, ...TASK_STATES.map((s) => board.data.value?.[s].nodes.length ?? 0))
      const first = boardFromTop ? pageSize : refetchSize(shown, pageSize)
      boardFromTop = false
      return gql<Board>(PROJECT_TASKS_QUERY, { projectId: id, first, ...taskFilterVariables(filter.value) }, { signal })
    },
    { immediate: false },
  )
  const reloadBoard = () => {
    boardFromTop = true
    return board.refresh()
  }
  // A new project or a new filter starts the board over; a refetch of the same project does not.
  watch(
    () => JSON.stringify([projectId.value, taskFilterVariables(filter.value)]),
    () => void reloadBoard(),
  )

  /** Columns whose next page is being fetched. */
  const loadingMore = ref<Set<TaskState>>(new Set())
  const moreError = shallowRef<GraphQLRequestError | null>(null)

  async function loadMoreTasks(state: TaskState): Promise<void> {
    const shown = board.data.value
    const id = projectId.value
    const col = shown?.[state]
    if (!shown || !id || !col?.pageInfo.hasNextPage || !col.pageInfo.endCursor || loadingMore.value.has(state)) return
    loadingMore.value = new Set(loadingMore.value).add(state)
    moreError.value = null
    try {
      const data = await gql<{ tasks: Connection<ProjectTask> }>(TASK_PAGE_QUERY, {
        first: pageSize,
        after: col.pageInfo.endCursor,
        filter: { projectId: id, states: [state], ...taskFilterVariables(filter.value) },
      })
      const now = board.data.value
      if (!now || now[state] !== col) return // a refetch brought a newer column meanwhile
      board.data.value = { ...now, [state]: appendPage(col, data.tasks) }
    } catch (e) {
      moreError.value = toGraphQLRequestError(e)
    } finally {
      const next = new Set(loadingMore.value)
      next.delete(state)
      loadingMore.value = next
    }
  }

  // --- the activity feed -------------------------------------------------------------------
  const activity = usePagedQuery<ActivityItem>((page, signal) =>
    gql<{ project: { activity: Connection<ActivityItem> } | null }>(
      PROJECT_ACTIVITY_QUERY,
      { slug: slug.value, ...page },
      { signal },
    ).then((d) => d.project?.activity ?? EMPTY_PAGE),
  pageSize)

  watch(slug, () => {
    void project.refresh()
    void activity.reload()
  })

  // --- live --------------------------------------------------------------------------------
  // Every task change also writes an activity entry (same transaction), so the header's counts
  // follow `activityAdded`; `taskChanged` only needs to move the cards.
  const liveVars = () => (projectId.value ? { projectId: projectId.value } : null)
  const tasksLive = useScopedLiveRefetch<TaskChanged>(TASK_CHANGED_SUBSCRIPTION, liveVars, board.refresh)
  const activityLive = useScopedLiveRefetch<ActivityAdded>(ACTIVITY_ADDED_SUBSCRIPTION, liveVars, () =>
    Promise.all([activity.refresh(), project.refresh()]),
  )
  const liveState = computed(() => combinedLiveState(tasksLive.liveState.value, activityLive.liveState.value))

  // --- writes ------------------------------------------------------------------------------
  const actions = useActions(() => Promise.all([project.refresh(), board.refresh(), activity.refresh()]))
  const creating = ref(false)

  /** `createTask` in this project; rejects with the server's error (the form shows it). */
  async function createTask(input: NewTask): Promise<{ id: string; title: string }> {
    const id = projectId.value
    if (!id) throw new Error('The project is not loaded')
    creating.value = true
    try {
      const data = await gql<{ createTask: { task: { id: string; title: string } } }>(CREATE_TASK_MUTATION, {
        input: { projectId: id, ...input },
      })
      actions.notice.value = { kind: 'ok', text: `Created: ${data.createTask.task.title}` }
      // The form closes now; the board catches up (the new card lands in Backlog) in the background.
      void Promise.all([project.refresh(), board.refresh(), activity.refresh()])
      return data.createTask.task
    } finally {
      creating.value = false
    }
  }

  /** Archives or unarchives the project with the version shown. */
  function setArchived(archived: boolean) {
    const p = project.data.value
    if (!p) return Promise.resolve('error' as const)
    return actions.run({
      subject: p.name,
      verb: archived ? 'archive' : 'unarchive',
      done: archived ? 'Archived' : 'Unarchived',
      write: () =>
        gql(archived ? ARCHIVE_PROJECT_MUTATION : UNARCHIVE_PROJECT_MUTATION, {
          input: { projectId: p.id, expectedVersion: p.version },
        }),
    })
  }

  /** `updateProject` with the version shown; rejects with the server's error (the form shows it:
   *  a field's next to it; a stale version, after which the page reloads and the draft stays).
   *  A new slug is the page's to follow (its address changes); otherwise everything refetches. */
  async function updateProject(changes: ProjectChanges): Promise<{ slug: string; name: string }> {
    const p = project.data.value
    if (!p) throw new Error('The project is not loaded')
    const data = await gql<{ updateProject: { project: { slug: string; name: string } } }>(UPDATE_PROJECT_MUTATION, {
      input: { projectId: p.id, expectedVersion: p.version, ...changes },
    })
    const updated = data.updateProject.project
    actions.notice.value = { kind: 'ok', text: `Saved: ${updated.name}` }
    // The form closes now; the page catches up in the background.
    if (updated.slug === slug.value) void Promise.all([project.refresh(), activity.refresh()])
    return updated
  }

  /** `deleteProject` with the version shown (`cascade` also deletes its tasks); resolves with
   *  how many tasks went with it. */
  async function deleteProject(cascade: boolean): Promise<number> {
    const p = project.data.value
    if (!p) throw new Error('The project is not loaded')
    const data = await gql<{ deleteProject: { deletedTaskCount: number } }>(DELETE_PROJECT_MUTATION, {
      input: { projectId: p.id, expectedVersion: p.version, cascade },
    })
    return data.deleteProject.deletedTaskCount
  }

  return {
    project,
    board,
    loadMoreTasks,
    loadingMore,
    moreError,
    activity,
    liveState,
    busy: actions.busy,
    notice: actions.notice,
    creating,
    createTask,
    setArchived,
    updateProject,
    deleteProject,
  }
}
