import type { Ref } from 'vue'
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
