import { ref } from 'vue'
import { toGraphQLRequestError, type GraphQLRequestError } from '@/api/client'
import type { ActionNotice } from './useDashboard'

/** How a write ended: done, refused because the object changed meanwhile (reloaded), or failed. */
export type Outcome = 'ok' | 'conflict' | 'error'

export interface Action {
  /** What the write is about, for the notice: the task's or project's title. */
  subject: string
  /** "approve", "archive", … — for "Could not approve “…”". */
  verb: string
  /** The notice when it worked: "Approved". */
  done: string
  /** The write itself (it sends the version the page shows as `expectedVersion`). */
  write: () => Promise<unknown>
  /** A form that shows the error itself (field errors next to the fields) instead of the notice. */
  form?: { show: (e: unknown) => unknown }
}

/** Whether an error means "what you saw is out of date": a stale version, or a state the task
 *  has left meanwhile (someone else moved it). Either way the answer is to reload. Other
 *  conflicts (`DUPLICATE_SLUG`, `PROJECT_ARCHIVED`) are the user's to fix, not a reload's. */
export function isStale(err: GraphQLRequestError): boolean {
  return err.code === 'INVALID_TRANSITION' || (err.code === 'CONFLICT' && (!err.reason || err.reason === 'STALE_VERSION'))
}

/**
 * The writes of one page, one at a time: `busy` while one runs (the page disables its buttons),
 * then a notice for the page's live region. After a write, or when it met a `CONFLICT` /
 * `INVALID_TRANSITION` ("changed meanwhile — reloaded"), `reload` fetches the fresh state, so
 * the next write carries the new version.
 */
export function useActions(reload: () => Promise<unknown>) {
  const busy = ref(false)
  const notice = ref<ActionNotice | null>(null)

  async function run(action: Action): Promise<Outcome> {
    if (busy.value) return 'error'
    busy.value = true
    notice.value = null
    try {
      await action.write()
      notice.value = { kind: 'ok', text: `${action.done}: ${action.subject}` }
      await reload()
      return 'ok'
    } catch (e) {
      const err = toGraphQLRequestError(e)
      if (isStale(err)) {
        notice.value = { kind: 'conflict', text: `“${action.subject}” changed meanwhile — reloaded` }
        await reload()
        return 'conflict'
      }
      if (action.form) action.form.show(err)
      else notice.value = { kind: 'error', text: `Could not ${action.verb} “${action.subject}”: ${err.message} (${err.code})` }
      return 'error'
    } finally {
      busy.value = false
    }
  }

  return { busy, notice, run }
}
