import { ref, shallowRef } from 'vue'
import { toGraphQLRequestError, type GraphQLRequestError } from '@/api/client'

/**
 * The errors of one form: the server's `BAD_USER_INPUT` / `CONFLICT` errors that name one of the
 * form's fields (`extensions.field`, e.g. a duplicate `slug` or an unknown `priority`) are shown
 * next to that field; anything else is an error of the whole form, shown with its code.
 */
export function useFormErrors<F extends string>(fields: readonly F[]) {
  const fieldErrors = ref<Partial<Record<F, string>>>({})
  const formError = shallowRef<GraphQLRequestError | null>(null)

  function clear(): void {
    fieldErrors.value = {}
    formError.value = null
  }

  /** Puts a failed write's error where it belongs; returns the field it names, if it is one of ours. */
  function show(e: unknown): F | null {
    const err = toGraphQLRequestError(e)
    clear()
    const field = fields.find((f) => f === err.field)
    if (field && (err.code === 'BAD_USER_INPUT' || err.code === 'CONFLICT')) {
      // The priority error's message lists the accepted forms; should a server send them only
      // in `extensions.accepted`, show them all the same — the user needs them to fix the field.
      const accepted = err.accepted
      const listed = !accepted?.length || accepted.every((a) => err.message.includes(a))
      fieldErrors.value = { [field]: listed ? err.message : `${err.message} Accepted: ${accepted.join(', ')}.` } as Partial<
        Record<F, string>
      >
      return field
    }
    formError.value = err
    return null
  }

  return { fieldErrors, formError, clear, show }
}
