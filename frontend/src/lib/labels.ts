/** Display names and badge tones shared by the pages. */
export type Tone = 'ok' | 'warn' | 'danger' | 'accent' | 'muted'

export const STATE_LABELS: Record<string, string> = {
  BACKLOG: 'Backlog',
  READY: 'Ready',
  IN_PROGRESS: 'In progress',
  REVIEW: 'Review',
  BLOCKED: 'Blocked',
  DONE: 'Done',
  CANCELLED: 'Cancelled',
}

export function stateLabel(state: string): string {
  return STATE_LABELS[state] ?? state
}

export function severityTone(severity: string | null | undefined): Tone {
  switch (severity?.toUpperCase()) {
    case 'SEV1':
      return 'danger'
    case 'SEV2':
      return 'warn'
    case 'SEV3':
      return 'accent'
    default:
      return 'muted'
  }
}

export function statusTone(status: string | null | undefined): Tone {
  switch (status?.toUpperCase()) {
    case 'OPEN':
      return 'danger'
    case 'MITIGATED':
      return 'warn'
    case 'RESOLVED':
      return 'ok'
    default:
      return 'muted'
  }
}

export function priorityTone(priority: string): Tone {
  return priority === 'CRITICAL' ? 'danger' : priority === 'HIGH' ? 'warn' : 'muted'
}

/** The task states in the order work flows through them (board columns, count rows). */
export const TASK_STATES = ['BACKLOG', 'READY', 'IN_PROGRESS', 'REVIEW', 'BLOCKED', 'DONE', 'CANCELLED'] as const

export function stateTone(state: string): Tone {
  switch (state) {
    case 'DONE':
      return 'ok'
    case 'BLOCKED':
      return 'danger'
    case 'REVIEW':
      return 'warn'
    case 'IN_PROGRESS':
    case 'READY':
      return 'accent'
    default:
      return 'muted'
  }
}

/** The normalised priorities, most urgent first. */
export const PRIORITIES = ['CRITICAL', 'HIGH', 'MEDIUM', 'LOW'] as const

export function priorityName(priority: string): string {
  return priority.charAt(0) + priority.slice(1).toLowerCase()
}

/** The project statuses (archiving is separate). */
export const PROJECT_STATUSES = ['ACTIVE', 'ON_HOLD', 'COMPLETED'] as const

export const PROJECT_STATUS_LABELS: Record<string, string> = {
  ACTIVE: 'Active',
  ON_HOLD: 'On hold',
  COMPLETED: 'Completed',
}

export function projectStatusLabel(status: string): string {
  return PROJECT_STATUS_LABELS[status] ?? status
}

export function projectStatusTone(status: string): Tone {
  return status === 'ACTIVE' ? 'ok' : status === 'ON_HOLD' ? 'warn' : 'muted'
}

export const ROLES = ['OWNER', 'OPERATOR', 'VIEWER'] as const

/** "Owner", "Operator", "Viewer". */
export function roleLabel(role: string): string {
  return role.charAt(0) + role.slice(1).toLowerCase()
}

/** What each role may do, for hints next to the role choice. */
export const ROLE_HINTS: Record<string, string> = {
  OWNER: 'everything, including users',
  OPERATOR: 'steers work: tasks, approvals, agent files',
  VIEWER: 'reads everything, changes nothing',
}
