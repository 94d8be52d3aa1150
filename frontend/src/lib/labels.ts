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
