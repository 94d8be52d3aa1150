import { watch, type Ref } from 'vue'
import { gql } from '@/api/client'
import type { TaskState } from './useDashboard'
import { DASHBOARD_CHANGED_SUBSCRIPTION } from './useDashboard'
import { useLiveRefetch } from './useLiveRefetch'
import { useQuery } from './useQuery'

export type Severity = 'SEV1' | 'SEV2' | 'SEV3' | 'SEV4'

/** The `operations` snapshot as the operations page asks for it. */
export interface Operations {
  generatedAt: string
  windowDays: number
  approvals: number
  rejections: number
  rejectionRate: number | null
  medianCycleTimeSeconds: number | null
  medianApprovalWaitSeconds: number | null
  tasksByState: { state: TaskState; count: number }[]
  throughput: { day: string; done: number }[]
  workInProgress: { agentId: string | null; inProgress: number; review: number }[]
  incidents: {
    open: number
    mitigated: number
    resolved: number
    unparsed: number
    meanTimeToResolveSeconds: number | null
    openBySeverity: { severity: Severity; count: number }[]
  }
}

/** The windows the page offers, in days. */
export const WINDOWS = [7, 14, 30, 90] as const
export const DEFAULT_WINDOW = 30

export const OPERATIONS_QUERY = /* GraphQL */ `
  query Operations($days: Int) {
    operations(days: $days) {
      generatedAt windowDays approvals rejections rejectionRate medianCycleTimeSeconds medianApprovalWaitSeconds
      tasksByState { state count }
      throughput { day done }
      workInProgress { agentId inProgress review }
      incidents { open mitigated resolved unparsed meanTimeToResolveSeconds openBySeverity { severity count } }
    }
  }
`

/** The snapshot for a window of `days`; refetched when the window changes and on every
 *  `dashboardChanged` (task transitions and incident files both ping it). */
export function useOperations(days: Ref<number>) {
  const query = useQuery((signal) =>
    gql<{ operations: Operations }>(OPERATIONS_QUERY, { days: days.value }, { signal }).then((d) => d.operations),
  )
  watch(days, () => void query.refresh())
  const live = useLiveRefetch(DASHBOARD_CHANGED_SUBSCRIPTION, query.refresh)
  return { ...query, ...live }
}
