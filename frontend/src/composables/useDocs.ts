import { computed, watch, type Ref } from 'vue'
import { gql } from '@/api/client'
import { useLiveRefetch } from './useLiveRefetch'
import { useQuery } from './useQuery'
import { WORKSPACE_CHANGED_SUBSCRIPTION, type WorkspaceChange } from './useAgents'

export interface DocFile {
  name: string
  path: string
  title: string
  problem: string | null
  size: number
  modifiedAt: string
}

export interface DocFolder {
  name: string
  path: string
  files: DocFile[]
  folders: DocFolder[]
}

export interface Doc {
  path: string
  title: string
  content: string
  size: number
  modifiedAt: string
}

const FILE = 'files { name path title problem size modifiedAt }'
/** Folders nest to a fixed depth in a GraphQL document: five levels below the root are shown. */
const DEPTH = 5
function folderSelection(depth: number): string {
  return depth === 0 ? `name path ${FILE}` : `name path ${FILE} folders { ${folderSelection(depth - 1)} }`
}

export const DOCS_TREE_QUERY = /* GraphQL */ `
  query DocsTree { docs { ${folderSelection(DEPTH)} } }
`

export interface DocHit {
  path: string
  title: string
  line: number
  snippet: string
}

export const DOC_SEARCH_QUERY = /* GraphQL */ `
  query DocSearch($query: String!, $first: Int!) { docSearch(query: $query, first: $first) { path title line snippet } }
`

export const DOC_QUERY = /* GraphQL */ `
  query Doc($path: String!) { doc(path: $path) { path title content size modifiedAt } }
`

/** The docs tree and the open document (`path`, or none), live on DOC changes. */
export function useDocs(path: Ref<string | null>) {
  const tree = useQuery((signal) => gql<{ docs: DocFolder }>(DOCS_TREE_QUERY, undefined, { signal }).then((d) => d.docs))
  const doc = useQuery(
    (signal) =>
      path.value
        ? gql<{ doc: Doc | null }>(DOC_QUERY, { path: path.value }, { signal }).then((d) => d.doc)
        : Promise.resolve(null),
    { immediate: false },
  )
  const live = useLiveRefetch<{ workspaceChanged: WorkspaceChange }>(
    WORKSPACE_CHANGED_SUBSCRIPTION,
    () => Promise.all([tree.refresh(), path.value ? doc.refresh() : null]),
    ({ workspaceChanged: c }) => c.kind === 'DOC',
  )
  return { tree, doc, ...live }
}

/** Whether a folder holds no documents at any depth. */
export function isEmptyFolder(folder: DocFolder): boolean {
  return folder.files.length === 0 && (folder.folders ?? []).every(isEmptyFolder)
}

/** The server accepts 1–200 characters. */
export const MAX_DOC_SEARCH_LENGTH = 200

/**
 * Lines of the docs containing `text` (documents in tree order), run whenever the text changes
 * (nothing for empty text) and again on DOC changes. `data.query` is the text the hits are for.
 */
export function useDocSearch(text: Ref<string>, first = 50) {
  const query = computed(() => text.value.trim().slice(0, MAX_DOC_SEARCH_LENGTH))
  const search = useQuery(
    async (signal) => {
      const q = query.value
      if (!q) return null
      const data = await gql<{ docSearch: DocHit[] }>(DOC_SEARCH_QUERY, { query: q, first }, { signal })
      return { query: q, hits: data.docSearch }
    },
    { immediate: false },
  )
  watch(query, () => void search.refresh(), { immediate: true })
  const live = useLiveRefetch<{ workspaceChanged: WorkspaceChange }>(
    WORKSPACE_CHANGED_SUBSCRIPTION,
    search.refresh,
    ({ workspaceChanged: c }) => query.value !== '' && c.kind === 'DOC',
  )
  return {
    ...search,
    ...live,
    /** The hits on screen are for the current text (not a previous search still shown while the new one runs). */
    current: computed(() => search.data.value !== null && search.data.value.query === query.value),
    empty: computed(() => search.data.value?.hits.length === 0),
  }
}

/** The app path of a document (each segment encoded). */
export function docPath(path: string): string {
  return '/docs/' + path.split('/').map(encodeURIComponent).join('/')
}
