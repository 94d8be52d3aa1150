/**
 * Routes, and the guard that keeps signed-out visitors on the sign-in page.
 */
import { watch } from 'vue'
import { createRouter, createWebHistory, type LocationQueryValue, type Router, type RouterHistory } from 'vue-router'
import type { Pinia } from 'pinia'
import { useSessionStore } from '@/stores/session'

declare module 'vue-router' {
  interface RouteMeta {
    /** Reachable without a session. */
    public?: boolean
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
      { path: '/', name: 'dashboard', component: () => import('@/views/OverviewView.vue') },
      { path: '/projects', name: 'projects', component: () => import('@/views/ProjectsView.vue') },
      {
        path: '/projects/:slug',
        name: 'project',
        component: () => import('@/views/ProjectDetailView.vue'),
        props: true,
      },
      { path: '/tasks', name: 'tasks', component: () => import('@/views/TasksView.vue') },
      { path: '/tasks/:id', name: 'task', component: () => import('@/views/TaskDetailView.vue'), props: true },
      { path: '/agents', name: 'agents', component: () => import('@/views/AgentsView.vue') },
      { path: '/agents/:id', name: 'agent', component: () => import('@/views/AgentDetailView.vue'), props: true },
      { path: '/incidents', name: 'incidents', component: () => import('@/views/IncidentsView.vue') },
      {
        path: '/incidents/:id',
        name: 'incident',
        component: () => import('@/views/IncidentDetailView.vue'),
        props: true,
      },
      { path: '/docs/:path(.*)*', name: 'docs', component: () => import('@/views/DocsView.vue') },
      { path: '/operations', name: 'operations', component: () => import('@/views/OperationsView.vue') },
      { path: '/users', name: 'users', component: () => import('@/views/UsersView.vue') },
      { path: '/account', name: 'account', component: () => import('@/views/AccountView.vue') },
      {
        path: '/sign-in',
        name: 'sign-in',
        component: () => import('@/views/SignInView.vue'),
        meta: { public: true },
      },
      { path: '/:pathMatch(.*)*', redirect: '/' },
    ],
  })

  const session = useSessionStore(pinia)

  router.beforeEach(async (to) => {
    await session.restore()
    if (to.name === 'sign-in') {
      return session.signedIn ? safeRedirect(to.query.redirect) : true
    }
    if (to.meta.public || session.signedIn) return true
    return { name: 'sign-in', query: to.fullPath === '/' ? {} : { redirect: to.fullPath } }
  })

  // The session can end at any time (sign-out, or a refresh the server refused): leave the page.
  watch(
    () => session.status,
    (status) => {
      const here = router.currentRoute.value
      if (status === 'signed-out' && !here.meta.public && here.matched.length > 0) {
        void router.replace({ name: 'sign-in', query: here.fullPath === '/' ? {} : { redirect: here.fullPath } })
      }
    },
  )

  return router
}
