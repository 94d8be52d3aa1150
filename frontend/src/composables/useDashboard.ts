import { ref } from 'vue'
import { gql, toGraphQLRequestError } from '@/api/client'
import { useLiveRefetch } from './useLiveRefetch'
import { useQuery } from './useQuery'

export type TaskState = 'BACKLOG' | 'READY' | 'IN_PROGRESS' | 'REVIEW' | 'BLOCKED' | 'DONE' | 'CANCELLED'

export interface DashboardTask {
  id: string
  title: string
  state: TaskState
  priority: 'CRITICAL' | 'HIGH' | 'MEDIUM' | 'LOW'
  priorityLabel: string
  version: number
  assigneeId: string | null
  stateChangedAt: string
  blockedFrom: TaskState | null
  project: { id: string; name: string; slug: string }
}

export interface TaskQueue {
  totalCount: number
  nodes: DashboardTask[]
}

export interface DashboardIncident {
  id: string
  title: string
  severity: string
  status: string
  startedAt: string | null
}

export interface Dashboard {
  generatedAt: string
  tasksByState: { state: TaskState; count: number }[]
  needsApproval: TaskQueue
  inProgress: { agentId: string | null; totalCount: number; nodes: DashboardTask[] }[]
  ready: TaskQueue
  blocked: TaskQueue
  recentlyDone: TaskQueue
  openIncidents: {
    source: 'LIVE' | 'NOT_CONNECTED' | 'UNAVAILABLE'
    message: string | null
    totalCount: number
    nodes: DashboardIncident[]
    /** Reports that do not parse (listed with their parse error on the incidents page). */
    unreadable: number
  }
}

const TASK_FIELDS = `id title state priority priorityLabel version assigneeId stateChangedAt blockedFrom project { id name slug }`
const QUEUE = `totalCount nodes { ${TASK_FIELDS} }`

export const DASHBOARD_QUERY = /* GraphQL */ `
  query Dashboard($queueSize: Int) {
    dashboard(queueSize: $queueSize) {
      generatedAt
      tasksByState { state count }
      needsApproval { ${QUEUE} }
      inProgress { agentId ${QUEUE} }
      ready { ${QUEUE} }
      blocked { ${QUEUE} }
      recentlyDone { ${QUEUE} }
      openIncidents { source message totalCount nodes { id title severity status startedAt } unreadable }
    }
  }
`

export const DASHBOARD_CHANGED_SUBSCRIPTION = /* GraphQL */ `
  subscription DashboardChanged { dashboardChanged { at changes } }
`

export const APPROVE_TASK_MUTATION = /* GraphQL */ `
  mutation ApproveTask($input: ApproveTaskInput!) {
    approveTask(input: $input) { task { id state version } }
  }
`

export const REJECT_TASK_MUTATION = /* GraphQL */ `
  mutation RejectTask($input: RejectTaskInput!) {
    rejectTask(input: $input) { task { id state version } }
  }
`

/** What the last approval action did, for the page's live region. */
export interface ActionNotice {
  kind: 'ok' | 'conflict' | 'error'
  text: string
}

/** The overview: the dashboard query, live refetch on `dashboardChanged`, approve and reject. */
export function useDashboard(queueSize = 10) {
  const query = useQuery((signal) =>
    gql<{ dashboard: Dashboard }>(DASHBOARD_QUERY, { queueSize }, { signal }).then((d) => d.dashboard),
  )
  const live = useLiveRefetch<{ dashboardChanged: { at: string; changes: number } }>(
    DASHBOARD_CHANGED_SUBSCRIPTION,
    query.refresh,
  )
  /** Ids of tasks with an approve/reject under way. */
  const busy = ref<Set<string>>(new Set())
  const notice = ref<ActionNotice | null>(null)

  async function act(task: DashboardTask, verb: 'approve' | 'reject', reason?: string): Promise<boolean> {
    busy.value = new Set(busy.value).add(task.id)
    notice.value = null
    try {
      if (verb === 'approve') {
        await gql(APPROVE_TASK_MUTATION, { input: { taskId: task.id, expectedVersion: task.version } })
      } else {
        await gql(REJECT_TASK_MUTATION, { input: { taskId: task.id, expectedVersion: task.version, reason } })
      }
      notice.value = { kind: 'ok', text: `${verb === 'approve' ? 'Approved' : 'Sent back'}: ${task.title}` }
      await query.refresh()
      return true
    } catch (e) {
      const err = toGraphQLRequestError(e)
      if (err.code === 'CONFLICT' || err.code === 'INVALID_TRANSITION') {
        notice.value = { kind: 'conflict', text: `“${task.title}” changed meanwhile — reloaded` }
        await query.refresh()
      } else {
        notice.value = { kind: 'error', text: `Could not ${verb} “${task.title}”: ${err.message} (${err.code})` }
      }
      return false
    } finally {
      const next = new Set(busy.value)
      next.delete(task.id)
      busy.value = next
    }
  }

  return {
    ...query,
    ...live,
    busy,
    notice,
    approve: (task: DashboardTask) => act(task, 'approve'),
    reject: (task: DashboardTask, reason: string) => act(task, 'reject', reason),
  }
}
