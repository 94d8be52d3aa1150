import { gql } from '@/api/client'
import { ACTIVITY_ADDED_SUBSCRIPTION, ACTIVITY_ENTRY_FIELDS, type ActivityItem } from './useProject'
import { useLiveRefetch } from './useLiveRefetch'
import { usePagedQuery, type Connection } from './usePagedQuery'

export const RECENT_ACTIVITY_QUERY = /* GraphQL */ `
  query RecentActivity($first: Int, $after: String) {
    activity(first: $first, after: $after) {
      totalCount
      pageInfo { hasNextPage endCursor }
      nodes { ${ACTIVITY_ENTRY_FIELDS} project { name slug } }
    }
  }
`

/** Everything that happened to any project or task, newest first, paged; refetched (as much as
 *  is shown) on every `activityAdded` of any project. */
export function useRecentActivity(pageSize = 15) {
  const feed = usePagedQuery<ActivityItem>(
    (page, signal) =>
      gql<{ activity: Connection<ActivityItem> }>(RECENT_ACTIVITY_QUERY, { ...page }, { signal }).then((d) => d.activity),
    pageSize,
  )
  const live = useLiveRefetch(ACTIVITY_ADDED_SUBSCRIPTION, feed.refresh) // no project: every entry
  return { feed, ...live }
}
