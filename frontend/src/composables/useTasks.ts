import { watch, type Ref } from 'vue'
import { gql } from '@/api/client'
import type { TaskPriority } from './useProject'
import { TASK_CHANGED_SUBSCRIPTION, TASK_PAGE_QUERY } from './useProject'
import type { DashboardTask, TaskState } from './useDashboard'
import { useLiveRefetch } from './useLiveRefetch'
import { usePagedQuery, type Connection } from './usePagedQuery'

/** The states a task can still move from. */
export const OPEN_STATES: readonly TaskState[] = ['BACKLOG', 'READY', 'IN_PROGRESS', 'REVIEW', 'BLOCKED']

/** What the tasks page lists; the page keeps it in the URL query. `state` is one state, `open`
 *  (every state but DONE and CANCELLED), or null for all. */
export interface TaskSearch {
  search: string
  state: TaskState | 'open' | null
  assigneeId: string
  unassigned: boolean
  priority: TaskPriority | null
}

export type TaskRow = DashboardTask & { labels: string[]; dueDate: string | null }

/** The `TaskFilter` for a search: blank fields are left out; "unassigned" wins over an assignee. */
export function taskFilterVariables(f: TaskSearch): Record<string, unknown> {
  const search = f.search.trim()
  const assigneeId = f.assigneeId.trim()
  return {
    ...(search ? { search: search.slice(0, 200) } : {}),
    ...(f.state === 'open' ? { states: [...OPEN_STATES] } : f.state ? { states: [f.state] } : {}),
    ...(f.unassigned ? { unassigned: true } : assigneeId ? { assigneeId } : {}),
    ...(f.priority ? { priorities: [f.priority] } : {}),
  }
}

/**
 * Tasks of every project, newest first, cursor-paged, for `search`; a new search starts over
 * with one page. Any task change anywhere (`taskChanged` without a project) refetches what is
 * shown, so states and assignees stay current.
 */
export function useTasks(search: Ref<TaskSearch>, pageSize = 25) {
  const list = usePagedQuery<TaskRow>(
    (page, signal) =>
      gql<{ tasks: Connection<TaskRow> }>(TASK_PAGE_QUERY, { ...page, filter: taskFilterVariables(search.value) }, { signal }).then(
        (d) => d.tasks,
      ),
    pageSize,
  )
  watch(
    () => JSON.stringify(taskFilterVariables(search.value)),
    () => void list.reload(),
  )
  const live = useLiveRefetch(TASK_CHANGED_SUBSCRIPTION, list.refresh) // no project: every task
  return { ...list, ...live }
}
