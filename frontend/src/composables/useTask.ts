import { computed, watch, type Ref } from 'vue'
import { gql } from '@/api/client'
import { stateLabel } from '@/lib/labels'
import { APPROVE_TASK_MUTATION, REJECT_TASK_MUTATION, type TaskState } from './useDashboard'
import { useActions } from './useActions'
import { combinedLiveState, useScopedLiveRefetch } from './useLiveRefetch'
import { usePagedQuery, type Connection } from './usePagedQuery'
import {
  ACTIVITY_ADDED_SUBSCRIPTION,
  ACTIVITY_ENTRY_FIELDS,
  EMPTY_PAGE,
  TASK_CHANGED_SUBSCRIPTION,
  type ActivityAdded,
  type ActivityItem,
  type ProjectTask,
  type TaskChanged,
} from './useProject'
import { useQuery } from './useQuery'

export interface TaskDetail extends ProjectTask {
  description: string
  allowedTransitions: TaskState[]
  createdAt: string
  updatedAt: string
  readyAt: string | null
  doneAt: string | null
  projectId: string
  project: { id: string; name: string; slug: string; archived: boolean }
}

/** What `updateTask` may change; absent fields stay as they are (`dueDate: null` clears it). */
export interface TaskChanges {
  title?: string
  description?: string
  priority?: string
  labels?: string[]
  dueDate?: string | null
}

export const TASK_QUERY = /* GraphQL */ `
  query Task($id: ID!) {
    task(id: $id) {
      id title description state priority priorityLabel version assigneeId dueDate labels blockedFrom
      allowedTransitions stateChangedAt createdAt updatedAt readyAt doneAt
      projectId project { id name slug archived }
    }
  }
`

export const TASK_ACTIVITY_QUERY = /* GraphQL */ `
  query TaskActivity($id: ID!, $first: Int, $after: String) {
    task(id: $id) {
      id
      activity(first: $first, after: $after) { totalCount pageInfo { hasNextPage endCursor } nodes { ${ACTIVITY_ENTRY_FIELDS} } }
    }
  }
`

const PAYLOAD = 'task { id state version }'

export const TRANSITION_TASK_MUTATION = /* GraphQL */ `
  mutation TransitionTask($input: TransitionTaskInput!) { transitionTask(input: $input) { ${PAYLOAD} } }
`

export const BLOCK_TASK_MUTATION = /* GraphQL */ `
  mutation BlockTask($input: BlockTaskInput!) { blockTask(input: $input) { ${PAYLOAD} } }
`

export const UNBLOCK_TASK_MUTATION = /* GraphQL */ `
  mutation UnblockTask($input: TaskNoteInput!) { unblockTask(input: $input) { ${PAYLOAD} } }
`

export const CANCEL_TASK_MUTATION = /* GraphQL */ `
  mutation CancelTask($input: TaskNoteInput!) { cancelTask(input: $input) { ${PAYLOAD} } }
`

export const UPDATE_TASK_MUTATION = /* GraphQL */ `
  mutation UpdateTask($input: UpdateTaskInput!) { updateTask(input: $input) { ${PAYLOAD} } }
`

export const ASSIGN_TASK_MUTATION = /* GraphQL */ `
  mutation AssignTask($input: AssignTaskInput!) { assignTask(input: $input) { task { id assigneeId version } } }
`

/** Which write carries a move, and so what it asks of the user: a reason (reject, block), an
 *  optional comment (approve), a confirmation (cancel), or nothing. */
export type MoveKind = 'move' | 'approve' | 'reject' | 'unblock' | 'block' | 'cancel'

export interface Move {
  to: TaskState
  kind: MoveKind
  /** The button's text. */
  label: string
}

const KIND_ORDER: MoveKind[] = ['move', 'approve', 'reject', 'unblock', 'block', 'cancel']

/** What moving a task from `from` to `to` means (DESIGN.md §3): REVIEW → DONE is an approval,
 *  REVIEW → IN_PROGRESS a rejection, → BLOCKED a block, BLOCKED → the state it left an unblock. */
export function moveFor(from: TaskState, to: TaskState): Move {
  if (to === 'CANCELLED') return { to, kind: 'cancel', label: 'Cancel task' }
  if (to === 'BLOCKED') return { to, kind: 'block', label: 'Block' }
  if (from === 'BLOCKED') return { to, kind: 'unblock', label: `Unblock (back to ${stateLabel(to)})` }
  if (from === 'REVIEW' && to === 'DONE') return { to, kind: 'approve', label: 'Approve' }
  if (from === 'REVIEW' && to === 'IN_PROGRESS') return { to, kind: 'reject', label: 'Reject' }
  return { to, kind: 'move', label: `Move to ${stateLabel(to)}` }
}

/** One move per state the server allows now, forward moves first and cancelling last. */
export function movesOf(task: Pick<TaskDetail, 'state' | 'allowedTransitions'>): Move[] {
  return task.allowedTransitions
    .map((to) => moveFor(task.state, to))
    .sort((a, b) => KIND_ORDER.indexOf(a.kind) - KIND_ORDER.indexOf(b.kind))
}

const DONE_TEXT: Record<MoveKind, string> = {
  move: 'Moved',
  approve: 'Approved',
  reject: 'Sent back',
  unblock: 'Unblocked',
  block: 'Blocked',
  cancel: 'Cancelled',
}

/**
 * One task with its activity (newest first, paged) and every write on it — moves driven by
 * `allowedTransitions`, edits, assignment — each sending the version shown as
 * `expectedVersion`. Live: `taskChanged` / `activityAdded` of the task's project, for this task.
 */
export function useTask(id: Ref<string>, pageSize = 20) {
  const task = useQuery((signal) =>
    gql<{ task: TaskDetail | null }>(TASK_QUERY, { id: id.value }, { signal }).then((d) => d.task),
  )
  const activity = usePagedQuery<ActivityItem>((page, signal) =>
    gql<{ task: { activity: Connection<ActivityItem> } | null }>(TASK_ACTIVITY_QUERY, { id: id.value, ...page }, { signal }).then(
      (d) => d.task?.activity ?? EMPTY_PAGE,
    ),
  pageSize)

  watch(id, () => {
    void task.refresh()
    void activity.reload()
  })

  const liveVars = () => (task.data.value ? { projectId: task.data.value.projectId } : null)
  const taskLive = useScopedLiveRefetch<TaskChanged>(
    TASK_CHANGED_SUBSCRIPTION,
    liveVars,
    task.refresh,
    ({ taskChanged: e }) => e.taskId === id.value,
  )
  const activityLive = useScopedLiveRefetch<ActivityAdded>(
    ACTIVITY_ADDED_SUBSCRIPTION,
    liveVars,
    activity.refresh,
    ({ activityAdded: e }) => e.taskId === id.value,
  )
  const liveState = computed(() => combinedLiveState(taskLive.liveState.value, activityLive.liveState.value))

  const actions = useActions(() => Promise.all([task.refresh(), activity.refresh()]))
  const moves = computed(() => (task.data.value ? movesOf(task.data.value) : []))

  /** Moves the task to `to` with the write that move needs. `reason` is required for reject
   *  and block (the page asks for it), `comment` is optional for approve. */
  function move(to: TaskState, note: { reason?: string; comment?: string } = {}) {
    const t = task.data.value
    if (!t) return Promise.resolve('error' as const)
    const m = moveFor(t.state, to)
    const base = { taskId: t.id, expectedVersion: t.version }
    const comment = note.comment?.trim()
    const write = () => {
      switch (m.kind) {
        case 'approve':
          return gql(APPROVE_TASK_MUTATION, { input: { ...base, ...(comment ? { comment } : {}) } })
        case 'reject':
          return gql(REJECT_TASK_MUTATION, { input: { ...base, reason: note.reason } })
        case 'block':
          return gql(BLOCK_TASK_MUTATION, { input: { ...base, reason: note.reason } })
        case 'unblock':
          return gql(UNBLOCK_TASK_MUTATION, { input: base })
        case 'cancel':
          return gql(CANCEL_TASK_MUTATION, { input: base })
        case 'move':
          return gql(TRANSITION_TASK_MUTATION, { input: { ...base, to } })
      }
    }
    return actions.run({
      subject: t.title,
      verb: m.kind,
      done: m.kind === 'move' ? `Moved to ${stateLabel(to)}` : DONE_TEXT[m.kind],
      write,
    })
  }

  /** `updateTask` with only the fields that changed; errors naming a field go to `form`. */
  function edit(changes: TaskChanges, form: { show: (e: unknown) => unknown }) {
    const t = task.data.value
    if (!t) return Promise.resolve('error' as const)
    return actions.run({
      subject: t.title,
      verb: 'edit',
      done: 'Saved',
      write: () => gql(UPDATE_TASK_MUTATION, { input: { taskId: t.id, expectedVersion: t.version, ...changes } }),
      form,
    })
  }

  /** `assignTask`; `null` unassigns. */
  function assign(assigneeId: string | null, form: { show: (e: unknown) => unknown }) {
    const t = task.data.value
    if (!t) return Promise.resolve('error' as const)
    return actions.run({
      subject: t.title,
      verb: 'assign',
      done: assigneeId ? `Assigned to ${assigneeId}` : 'Unassigned',
      write: () => gql(ASSIGN_TASK_MUTATION, { input: { taskId: t.id, expectedVersion: t.version, assigneeId } }),
      form,
    })
  }

  return { task, activity, liveState, moves, busy: actions.busy, notice: actions.notice, move, edit, assign }
}
