/**
 * The users page (OWNER) and the account page through the DOM: the list, creating a user with
 * the server's field errors, changing a role, disabling, resetting a password, what other roles
 * see, and changing one's own password.
 */
import { afterEach, describe, expect, it } from 'vitest'
import { fireEvent, screen, waitFor, within } from '@testing-library/vue'
import { OWNER, answers, outage, sessionPayload, type Handler, type PageOptions } from '@/test-support/fake-api'
import { asViewer } from '@/test-support/sessions'
import { expectRetryAfterOutage, renderSignedIn, tearDownPage, type RenderedApp } from '@/test-support/render-app'

function user(id: string, username: string, role: string, extra: Record<string, unknown> = {}) {
  return { id, username, displayName: username.toUpperCase(), role, disabled: false, createdAt: '2030-01-01T10:00:00Z', ...extra }
}

const ME = user(OWNER.id, OWNER.username, 'OWNER', { displayName: OWNER.displayName })
const OLGA = user('u3', 'olga', 'OPERATOR')
const VERA = user('u4', 'vera', 'VIEWER', { disabled: true })

const page = (nodes: unknown[], opts: PageOptions = {}) => answers.connection('users', nodes, opts)

let app: RenderedApp | undefined

async function renderUsers(handlers: Record<string, Handler> = {}) {
  app = await renderSignedIn('/users', { Users: () => page([ME, OLGA, VERA]), ...handlers })
  await screen.findByRole('heading', { name: 'Users', level: 1 })
  return app
}

const rowOf = (username: string) => screen.getByText(username, { selector: 'code' }).closest('tr') as HTMLElement
const usersCalls = () => app!.server.calls.filter((c) => c.operation === 'Users')

afterEach(() => {
  tearDownPage(app)
  app = undefined
})

describe('the users page', () => {
  it('lists every user with role and status, and offers no changes to one’s own account there', async () => {
    await renderUsers()
    await screen.findByRole('table')
    expect(usersCalls()[0]?.variables).toEqual({ first: 50 })
    const rows = within(screen.getByRole('table')).getAllByRole('row').slice(1)
    expect(rows).toHaveLength(3)

    const me = rowOf('owner')
    expect(within(me).getByText('you')).toBeTruthy()
    expect(within(me).queryByRole('combobox')).toBeNull()
    expect(within(me).getByRole('link', { name: 'Change password' }).getAttribute('href')).toBe('/account')

    const olga = rowOf('olga')
    expect((within(olga).getByRole('combobox', { name: 'Role of olga' }) as HTMLSelectElement).value).toBe('OPERATOR')
    expect(within(olga).getByText('active')).toBeTruthy()
    expect(within(olga).getByRole('button', { name: 'Disable olga' })).toBeTruthy()
    expect(within(rowOf('vera')).getByText('disabled')).toBeTruthy()
    expect(within(rowOf('vera')).getByRole('button', { name: 'Enable vera' })).toBeTruthy()
  })

  it('is in the top bar for owners only', async () => {
    await renderUsers()
    expect(within(screen.getByRole('navigation', { name: 'Main' })).getByRole('link', { name: 'Users' })).toBeTruthy()
  })

  it('tells other roles that owners manage users, without asking the server for the list', async () => {
    app = await renderSignedIn('/users', { ...asViewer })
    expect(await screen.findByText(/Only owners manage users/)).toBeTruthy()
    expect(app.server.count('Users')).toBe(0)
    expect(within(screen.getByRole('navigation', { name: 'Main' })).queryByRole('link', { name: 'Users' })).toBeNull()
    expect(screen.queryByRole('button', { name: 'New user' })).toBeNull()
  })

  it('creates a user with the input typed and reloads the list', async () => {
    const { server } = await renderUsers({
      CreateUser: () => answers.data({ createUser: { user: user('u9', 'nina', 'OPERATOR') } }),
    })
    await fireEvent.click(await screen.findByRole('button', { name: 'New user' }))
    expect(document.activeElement).toBe(screen.getByLabelText('Username'))
    await fireEvent.update(screen.getByLabelText('Username'), ' nina ')
    await fireEvent.update(screen.getByLabelText('Display name'), 'Nina N.')
    await fireEvent.update(screen.getByLabelText('Role'), 'OPERATOR')
    await fireEvent.update(screen.getByLabelText('Initial password'), 'a long enough secret')
    await fireEvent.click(screen.getByRole('button', { name: 'Create user' }))

    expect(await screen.findByText('Created nina (Operator)')).toBeTruthy()
    expect(server.calls.find((c) => c.operation === 'CreateUser')?.variables).toEqual({
      input: { username: 'nina', displayName: 'Nina N.', role: 'OPERATOR', password: 'a long enough secret' },
    })
    await waitFor(() => expect(usersCalls()).toHaveLength(2))
  })

  it('shows a taken username next to the username field', async () => {
    await renderUsers({
      CreateUser: () => answers.error('CONFLICT', { field: 'username' }, 'That username is taken.'),
    })
    await fireEvent.click(await screen.findByRole('button', { name: 'New user' }))
    await fireEvent.update(screen.getByLabelText('Username'), 'olga')
    await fireEvent.update(screen.getByLabelText('Initial password'), 'a long enough secret')
    await fireEvent.click(screen.getByRole('button', { name: 'Create user' }))
    const username = screen.getByLabelText('Username')
    await waitFor(() => expect(username.getAttribute('aria-invalid')).toBe('true'))
    expect(document.activeElement).toBe(username)
    expect(screen.getByText('That username is taken.')).toBeTruthy()
  })

  it('changes a role from the row and says the user’s sessions ended', async () => {
    const { server } = await renderUsers({
      ChangeUserRole: () => answers.data({ changeUserRole: { user: { ...OLGA, role: 'VIEWER' } } }),
    })
    await screen.findByRole('table')
    await fireEvent.update(within(rowOf('olga')).getByRole('combobox', { name: 'Role of olga' }), 'VIEWER')
    expect(await screen.findByText('olga is now Viewer; their sessions ended')).toBeTruthy()
    expect(server.calls.find((c) => c.operation === 'ChangeUserRole')?.variables).toEqual({
      input: { userId: 'u3', role: 'VIEWER' },
    })
    await waitFor(() => expect(usersCalls()).toHaveLength(2))
  })

  it('puts the stored role back and shows why when a role change is refused', async () => {
    await renderUsers({
      ChangeUserRole: () => answers.error('BAD_USER_INPUT', {}, 'At least one active owner must remain.'),
    })
    await screen.findByRole('table')
    const select = within(rowOf('olga')).getByRole('combobox', { name: 'Role of olga' }) as HTMLSelectElement
    await fireEvent.update(select, 'VIEWER')
    expect(await screen.findByText(/Could not change the role of olga: At least one active owner must remain/)).toBeTruthy()
    expect(select.value).toBe('OPERATOR')
  })

  it('disables and enables a user', async () => {
    const { server } = await renderUsers({
      DisableUser: (call) => {
        const input = call.variables?.input as { userId: string; disabled: boolean }
        const target = input.userId === 'u3' ? OLGA : VERA
        return answers.data({ disableUser: { user: { ...target, disabled: input.disabled } } })
      },
    })
    await screen.findByRole('table')
    await fireEvent.click(within(rowOf('olga')).getByRole('button', { name: 'Disable olga' }))
    expect(await screen.findByText('Disabled olga; their sessions ended')).toBeTruthy()
    await fireEvent.click(within(rowOf('vera')).getByRole('button', { name: 'Enable vera' }))
    expect(await screen.findByText('Enabled vera')).toBeTruthy()
    expect(server.calls.filter((c) => c.operation === 'DisableUser').map((c) => c.variables)).toEqual([
      { input: { userId: 'u3', disabled: true } },
      { input: { userId: 'u4', disabled: false } },
    ])
  })

  it('resets a password in the row, showing the server’s refusal beside the field', async () => {
    let attempts = 0
    const { server } = await renderUsers({
      ResetUserPassword: () =>
        ++attempts === 1
          ? answers.error('BAD_USER_INPUT', { field: 'newPassword' }, 'Use at least 12 characters.')
          : answers.data({ resetUserPassword: { user: OLGA } }),
    })
    await screen.findByRole('table')
    await fireEvent.click(within(rowOf('olga')).getByRole('button', { name: 'Reset password of olga' }))
    const field = screen.getByLabelText('New password for olga')
    await waitFor(() => expect(document.activeElement).toBe(field))
    await fireEvent.update(field, 'short')
    await fireEvent.click(screen.getByRole('button', { name: 'Set password' }))
    expect((await screen.findByRole('alert')).textContent).toContain('Use at least 12 characters.')
    expect(field.getAttribute('aria-invalid')).toBe('true')

    await fireEvent.update(field, 'a much longer secret')
    await fireEvent.click(screen.getByRole('button', { name: 'Set password' }))
    expect(await screen.findByText('Password of olga reset; their sessions ended')).toBeTruthy()
    expect(screen.queryByLabelText('New password for olga')).toBeNull()
    expect(server.calls.filter((c) => c.operation === 'ResetUserPassword').at(-1)?.variables).toEqual({
      input: { userId: 'u3', newPassword: 'a much longer secret' },
    })
  })

  it('shows an error with a retry button when the users cannot be loaded', async () => {
    const down = outage(() => page([ME]))
    await renderUsers({ Users: down.handler })
    await expectRetryAfterOutage(down, () => screen.findByText('owner', { selector: 'code' }))
  })
})

describe('the account page', () => {
  async function renderAccount(handlers: Record<string, Handler> = {}) {
    app = await renderSignedIn('/account', handlers)
    await screen.findByRole('heading', { name: 'Account', level: 1 })
    return app
  }

  async function fill(current: string, next: string, again = next) {
    await fireEvent.update(screen.getByLabelText('Current password'), current)
    await fireEvent.update(screen.getByLabelText('New password'), next)
    await fireEvent.update(screen.getByLabelText('New password again'), again)
  }

  it('shows who is signed in and is reachable from the user menu', async () => {
    await renderAccount()
    expect(screen.getByRole('heading', { name: 'Owner', level: 2 })).toBeTruthy()
    expect(screen.getByText('owner', { selector: 'code' })).toBeTruthy()
    await fireEvent.click(screen.getByRole('button', { name: /Owner/ }))
    expect(screen.getByRole('link', { name: 'Account & password' }).getAttribute('href')).toBe('/account')
  })

  it('changes the password and goes on with the new session the server returns', async () => {
    const { server, api } = await renderAccount({
      ChangePassword: () => answers.data({ changePassword: sessionPayload('new-token') }),
      ServerStatus: () => answers.data({ serverStatus: { version: '1', startedAt: '', uptimeSeconds: 1, now: '' } }),
    })
    await fill('old secret value', 'new secret value!')
    await fireEvent.click(screen.getByRole('button', { name: 'Change password' }))
    expect(await screen.findByText(/Password changed/)).toBeTruthy()
    const call = server.calls.find((c) => c.operation === 'ChangePassword')
    expect(call?.variables).toEqual({ input: { currentPassword: 'old secret value', newPassword: 'new secret value!' } })
    expect(call?.authorization).toBe('Bearer tok')
    expect(api.getAccessToken()).toBe('new-token')
    expect((screen.getByLabelText('Current password') as HTMLInputElement).value).toBe('')
  })

  it('waits for matching new passwords of the minimum length before it sends', async () => {
    const { server } = await renderAccount()
    await fill('old secret value', 'short', 'short')
    expect((screen.getByRole('button', { name: 'Change password' }) as HTMLButtonElement).disabled).toBe(true)
    await fill('old secret value', 'new secret value!', 'new secret value?')
    expect(screen.getByText('The two new passwords differ.')).toBeTruthy()
    expect((screen.getByRole('button', { name: 'Change password' }) as HTMLButtonElement).disabled).toBe(true)
    expect(server.count('ChangePassword')).toBe(0)
  })

  it('shows a wrong current password next to that field and keeps the session', async () => {
    const { api } = await renderAccount({
      ChangePassword: () => answers.error('BAD_USER_INPUT', { field: 'currentPassword' }, 'The current password is wrong.'),
    })
    await fill('not my password', 'new secret value!')
    await fireEvent.click(screen.getByRole('button', { name: 'Change password' }))
    const current = screen.getByLabelText('Current password')
    await waitFor(() => expect(current.getAttribute('aria-invalid')).toBe('true'))
    expect(document.activeElement).toBe(current)
    expect(screen.getByText('The current password is wrong.')).toBeTruthy()
    expect(api.getAccessToken()).toBe('tok')
  })
})
