/**
 * Routes, and the guard that keeps signed-out visitors on the sign-in page.
 */
import { watch } from 'vue'
import {
  createRouter,
  createWebHistory,
  type LocationQueryValue,
  type RouteLocationNormalized,
  type Router,
  type RouterHistory,
} from 'vue-router'
import type { Pinia } from 'pinia'
import { useSessionStore } from '@/stores/session'

declare module 'vue-router' {
  interface RouteMeta {
    /** Reachable without a session. */
    public?: boolean
    /** The page's name in the browser tab: a text, or made from the route (detail pages). */
    title?: string | ((route: RouteLocationNormalized) => string)
  }
}

/** Where to go after signing in: a same-origin path only (no `//host` or `https://…`). */
export function safeRedirect(value: LocationQueryValue | LocationQueryValue[] | undefined): string {
  const path = Array.isArray(value) ? value[0] : value
  return typeof path === 'string' && path.startsWith('/') && !path.startsWith('//') && !path.startsWith('/\\')
    ? path
    : '/'
}

export function createAppRouter(pinia: Pinia, history: RouterHistory = createWebHistory()): Router {
  const router = createRouter({
    history,
    routes: [
      {
        path: '/',
        name: 'dashboard',
        meta: { title: 'Overview' },
        component: () => import('@/views/OverviewView.vue'),
      },
      {
        path: '/projects',
        name: 'projects',
        meta: { title: 'Projects' },
        component: () => import('@/views/ProjectsView.vue'),
      },
      {
        path: '/projects/:slug',
        name: 'project',
        meta: { title: (r) => `Project ${String(r.params.slug)}` },
        component: () => import('@/views/ProjectDetailView.vue'),
        props: true,
      },
      { path: '/tasks', name: 'tasks', meta: { title: 'Tasks' }, component: () => import('@/views/TasksView.vue') },
      {
        path: '/tasks/:id',
        name: 'task',
        meta: { title: 'Task' },
        component: () => import('@/views/TaskDetailView.vue'),
        props: true,
      },
      { path: '/agents', name: 'agents', meta: { title: 'Agents' }, component: () => import('@/views/AgentsView.vue') },
      {
        path: '/agents/:id',
        name: 'agent',
        meta: { title: (r) => `Agent ${String(r.params.id)}` },
        component: () => import('@/views/AgentDetailView.vue'),
        props: true,
      },
      {
        path: '/incidents',
        name: 'incidents',
        meta: { title: 'Incidents' },
        component: () => import('@/views/IncidentsView.vue'),
      },
      {
        path: '/incidents/:id',
        name: 'incident',
        meta: { title: 'Incident' },
        component: () => import('@/views/IncidentDetailView.vue'),
        props: true,
      },
      { path: '/docs/:path(.*)*', name: 'docs', meta: { title: 'Docs' }, component: () => import('@/views/DocsView.vue') },
      {
        path: '/operations',
        name: 'operations',
        meta: { title: 'Operations' },
        component: () => import('@/views/OperationsView.vue'),
      },
      { path: '/users', name: 'users', meta: { title: 'Users' }, component: () => import('@/views/UsersView.vue') },
      { path: '/account', name: 'account', meta: { title: 'Account' }, component: () => import('@/views/AccountView.vue') },
      {
        path: '/sign-in',
        name: 'sign-in',
        component: () => import('@/views/SignInView.vue'),
        meta: { public: true, title: 'Sign in' },
      },
      { path: '/:pathMatch(.*)*', redirect: '/' },
    ],
  })

  const session = useSessionStore(pinia)

  /** The sign-in page, coming back to `to` afterwards. */
  const signInFor = (to: RouteLocationNormalized) =>
    ({ name: 'sign-in', query: to.fullPath === '/' ? {} : { redirect: to.fullPath } }) as const

  router.beforeEach(async (to) => {
    await session.restore()
    if (to.name === 'sign-in') {
      return session.signedIn ? safeRedirect(to.query.redirect) : true
    }
    if (to.meta.public || session.signedIn) return true
    return signInFor(to)
  })

  // Again just before a page is shown: the session can end while its code is still loading (a
  // sign-out during the first page load), and the watch below only sees pages already shown.
  router.beforeResolve((to) => (to.meta.public || session.signedIn ? true : signInFor(to)))

  // Tabs and history entries say where they are.
  router.afterEach((to) => {
    const title = typeof to.meta.title === 'function' ? to.meta.title(to) : to.meta.title
    document.title = title ? `${title} · Nexus` : 'Nexus'
  })

  // The session can end at any time (sign-out, or a refresh the server refused): leave the page.
  watch(
    () => session.status,
    (status) => {
      const here = router.currentRoute.value
      if (status === 'signed-out' && !here.meta.public && here.matched.length > 0) {
        void router.replace(signInFor(here))
      }
    },
  )

  return router
}
