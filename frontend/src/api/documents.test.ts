/**
 * Every GraphQL document the pages send is valid against the server's schema.graphql
 * (field names, arguments, nullability of variables), so a drift fails here, not in the browser.
 */
import { readFileSync } from 'node:fs'
import { resolve } from 'node:path'
import { buildSchema, parse, validate } from 'graphql'
import { describe, expect, it } from 'vitest'
import * as dashboard from '@/composables/useDashboard'
import * as agents from '@/composables/useAgents'
import * as incidents from '@/composables/useIncidents'
import * as docs from '@/composables/useDocs'
import * as status from '@/composables/useServerStatus'
import * as memory from '@/composables/useMemorySearch'
import * as projects from '@/composables/useProjects'
import * as project from '@/composables/useProject'
import * as task from '@/composables/useTask'
import * as users from '@/composables/useUsers'
import * as session from '@/api/client'
import * as tasks from '@/composables/useTasks'
import * as operations from '@/composables/useOperations'
import * as recentActivity from '@/composables/useActivity'
import * as search from '@/composables/useSearch'

const schema = buildSchema(readFileSync(resolve(__dirname, '../../../schema.graphql'), 'utf8'))

const documents: Record<string, string> = {}
for (const mod of [dashboard, agents, incidents, docs, status, memory, projects, project, task, users, session, tasks, operations, recentActivity, search]) {
  for (const [name, value] of Object.entries(mod)) {
    if (/_(QUERY|MUTATION|SUBSCRIPTION)$/.test(name) && typeof value === 'string') documents[name] = value
  }
}

describe('the GraphQL documents of the pages', () => {
  it('are found', () => {
    expect(Object.keys(documents).length).toBeGreaterThanOrEqual(12)
  })

  it.each(Object.entries(documents))('%s is valid against schema.graphql', (_name, source) => {
    const errors = validate(schema, parse(source))
    expect(errors.map((e) => e.message)).toEqual([])
  })
})
