import { computed, type Ref } from 'vue'
import { gql, isGraphQLRequestError } from '@/api/client'
import { useLiveRefetch } from './useLiveRefetch'
import { useQuery } from './useQuery'

export interface AgentSummary {
  id: string
  name: string
  emoji: string | null
  theme: string | null
  creature: string | null
  avatarUrl: string | null
  isDefault: boolean
  model: { primary: string | null; fallbacks: string[] } | null
}

export interface AgentFileInfo {
  name: string
  size: number
  modifiedAt: string
  hash: string | null
}

/** An allow-listed workspace file with its content; `hash` goes back as `expectedHash` on an edit. */
export interface AgentFile {
  name: string
  content: string
  size: number
  modifiedAt: string
  hash: string
}

export interface DailyNote {
  date: string
  path: string
  size: number
  modifiedAt: string
}

export interface AgentDetail extends AgentSummary {
  vibe: string | null
  workspace: string
  goal: string | null
  files: AgentFileInfo[]
  memory: {
    totalCount: number
    longTerm: { path: string; content: string; modifiedAt: string } | null
    nodes: DailyNote[]
  }
  /** Changes made through Nexus to the agent's files, newest first. */
  activity: { id: string; path: string; summary: string; createdAt: string }[]
}

export interface WorkspaceChange {
  kind: 'AGENT_FILE' | 'CONFIG' | 'DOC' | 'INCIDENT' | 'MEMORY'
  agentId: string | null
  path: string
}

const SUMMARY = 'id name emoji theme creature avatarUrl isDefault model { primary fallbacks }'

export const AGENTS_QUERY = /* GraphQL */ `
  query Agents { agents { ${SUMMARY} } }
`

/** The team's ids, names and emoji: suggestions for agent-id fields. */
export const AGENT_IDS_QUERY = /* GraphQL */ `
  query AgentIds { agents { id name emoji } }
`

/** The id of the page-wide `<datalist>` of agent ids (`AgentIdList.vue`); agent-id inputs take it as `list`. */
export const AGENT_IDS_LIST = 'agent-ids'

export const AGENT_QUERY = /* GraphQL */ `
  query Agent($id: ID!, $notes: Int!) {
    agent(id: $id) {
      ${SUMMARY}
      vibe
      workspace
      goal
      files { name size modifiedAt hash }
      memory(first: $notes) { totalCount longTerm { path content modifiedAt } nodes { date path size modifiedAt } }
      activity(first: 8) { id path summary createdAt }
    }
  }
`

export const AGENT_FILE_QUERY = /* GraphQL */ `
  query AgentFile($id: ID!, $name: String!) {
    agent(id: $id) { id file(name: $name) { name content size modifiedAt hash } }
  }
`

export const UPDATE_AGENT_FILE_MUTATION = /* GraphQL */ `
  mutation UpdateAgentFile($input: UpdateAgentFileInput!) {
    updateAgentFile(input: $input) { file { name content size modifiedAt hash } }
  }
`

export const AGENT_MEMORY_NOTE_QUERY = /* GraphQL */ `
  query AgentMemoryNote($id: ID!, $date: String!) {
    agent(id: $id) { id memoryNote(date: $date) { path content modifiedAt size } }
  }
`

export const WORKSPACE_CHANGED_SUBSCRIPTION = /* GraphQL */ `
  subscription WorkspaceChanged { workspaceChanged { kind agentId path } }
`

/** The team, refetched when openclaw.json or an agent's identity files change. */
export function useAgents() {
  const query = useQuery((signal) => gql<{ agents: AgentSummary[] }>(AGENTS_QUERY, undefined, { signal }).then((d) => d.agents))
  const live = useLiveRefetch<{ workspaceChanged: WorkspaceChange }>(
    WORKSPACE_CHANGED_SUBSCRIPTION,
    query.refresh,
    ({ workspaceChanged: c }) => c.kind === 'CONFIG' || c.kind === 'AGENT_FILE',
  )
  return { ...query, ...live, empty: computed(() => query.data.value?.length === 0) }
}

/** Whether a workspace change concerns agent `id` (its files or memory, or the config). */
export function concernsAgent(change: WorkspaceChange, id: string): boolean {
  return change.kind === 'CONFIG' || ((change.kind === 'AGENT_FILE' || change.kind === 'MEMORY') && change.agentId === id)
}

/**
 * One agent with goal, files and memory notes (newest first), plus the open file or note;
 * all refetched on workspace changes that concern this agent.
 */
export function useAgent(id: Ref<string>, openFile: Ref<string | null>, openNote: Ref<string | null>, notes = 30) {
  const agent = useQuery((signal) =>
    gql<{ agent: AgentDetail | null }>(AGENT_QUERY, { id: id.value, notes }, { signal }).then((d) => d.agent),
  )
  // The answer names the agent and file it is for, so the page can keep showing (and editing) it
  // during a refetch while a switch to another file waits for that file.
  const file = useQuery(
    (signal) => {
      const agentId = id.value
      const name = openFile.value
      return name
        ? gql<{ agent: { file: AgentFile | null } | null }>(AGENT_FILE_QUERY, { id: agentId, name }, { signal }).then(
            (d) => ({ agentId, name, file: d.agent?.file ?? null }),
            // An allow-listed file that does not exist (yet) is an answer, not a failure: the page
            // says so, and operators may create it.
            (e: unknown) => {
              if (isGraphQLRequestError(e) && e.code === 'NOT_FOUND') return { agentId, name, file: null }
              throw e
            },
          )
        : Promise.resolve(null)
    },
    { immediate: false },
  )
  const note = useQuery(
    (signal) =>
      openNote.value
        ? gql<{ agent: { memoryNote: { path: string; content: string; modifiedAt: string } | null } | null }>(
            AGENT_MEMORY_NOTE_QUERY,
            { id: id.value, date: openNote.value },
            { signal },
          ).then((d) => d.agent?.memoryNote ?? null)
        : Promise.resolve(null),
    { immediate: false },
  )

  async function refreshAll() {
    await Promise.all([agent.refresh(), openFile.value ? file.refresh() : null, openNote.value ? note.refresh() : null])
  }

  const live = useLiveRefetch<{ workspaceChanged: WorkspaceChange }>(
    WORKSPACE_CHANGED_SUBSCRIPTION,
    refreshAll,
    ({ workspaceChanged: c }) => concernsAgent(c, id.value),
  )

  /** Daily notes, newest first whatever order the server sends. */
  const notesNewestFirst = computed(() =>
    [...(agent.data.value?.memory.nodes ?? [])].sort((a, b) => (a.date < b.date ? 1 : a.date > b.date ? -1 : 0)),
  )

  return { agent, file, note, notesNewestFirst, refreshAll, ...live }
}

/**
 * Replaces (or, with `expectedHash: null`, creates) an agent's allow-listed workspace file and
 * returns it as written. Rejects with the server's `GraphQLRequestError`: `CONFLICT` when the file
 * no longer has `expectedHash` (nothing was written), `BAD_USER_INPUT` for oversize content or a
 * name outside the allow-list, `FORBIDDEN` for viewers.
 */
export async function updateAgentFile(input: {
  agentId: string
  name: string
  content: string
  expectedHash: string | null
}): Promise<AgentFile> {
  const data = await gql<{ updateAgentFile: { file: AgentFile } }>(UPDATE_AGENT_FILE_MUTATION, { input })
  return data.updateAgentFile.file
}
