import { ref } from 'vue'
import { gql, type Role } from '@/api/client'
import { usePagedQuery, type Connection } from './usePagedQuery'

/** A user as the users page shows them. */
export interface UserRow {
  id: string
  username: string
  displayName: string
  role: Role
  disabled: boolean
  createdAt: string
}

export interface NewUser {
  username: string
  displayName?: string
  role: Role
  password: string
}

const USER_FIELDS = 'id username displayName role disabled createdAt'

export const USERS_QUERY = /* GraphQL */ `
  query Users($first: Int!, $after: String) {
    users(first: $first, after: $after) {
      totalCount
      pageInfo { hasNextPage endCursor }
      nodes { ${USER_FIELDS} }
    }
  }
`

export const CREATE_USER_MUTATION = /* GraphQL */ `
  mutation CreateUser($input: CreateUserInput!) { createUser(input: $input) { user { ${USER_FIELDS} } } }
`
export const CHANGE_USER_ROLE_MUTATION = /* GraphQL */ `
  mutation ChangeUserRole($input: ChangeUserRoleInput!) { changeUserRole(input: $input) { user { ${USER_FIELDS} } } }
`
export const DISABLE_USER_MUTATION = /* GraphQL */ `
  mutation DisableUser($input: DisableUserInput!) { disableUser(input: $input) { user { ${USER_FIELDS} } } }
`
export const RESET_USER_PASSWORD_MUTATION = /* GraphQL */ `
  mutation ResetUserPassword($input: ResetUserPasswordInput!) { resetUserPassword(input: $input) { user { ${USER_FIELDS} } } }
`

/** Every user, by username, cursor-paged (OWNER only: others get `FORBIDDEN`). Users change
 *  rarely and only through this page, so the list refetches after each write, not live. */
export function useUsers(pageSize = 50, options: { immediate?: boolean } = {}) {
  return usePagedQuery<UserRow>(
    (page, signal) => gql<{ users: Connection<UserRow> }>(USERS_QUERY, { ...page }, { signal }).then((d) => d.users),
    pageSize,
    options,
  )
}

/** The writes of the users page; each rejects with the server's error and resolves with the
 *  changed user. `busy` while one runs. */
export function useUserAdmin() {
  const busy = ref(false)
  async function write<K extends string>(mutation: string, key: K, input: Record<string, unknown>): Promise<UserRow> {
    busy.value = true
    try {
      const data = await gql<Record<K, { user: UserRow }>>(mutation, { input })
      return data[key].user
    } finally {
      busy.value = false
    }
  }
  return {
    busy,
    create: (input: NewUser) => write(CREATE_USER_MUTATION, 'createUser', { ...input }),
    changeRole: (userId: string, role: Role) => write(CHANGE_USER_ROLE_MUTATION, 'changeUserRole', { userId, role }),
    setDisabled: (userId: string, disabled: boolean) => write(DISABLE_USER_MUTATION, 'disableUser', { userId, disabled }),
    resetPassword: (userId: string, newPassword: string) =>
      write(RESET_USER_PASSWORD_MUTATION, 'resetUserPassword', { userId, newPassword }),
  }
}
