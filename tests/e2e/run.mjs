#!/usr/bin/env node
// Browser end-to-end check of the dashboard and GraphiQL against a running Nexus, in Debian's
// Chromium driven by playwright-core:
//
//   node tests/e2e/run.mjs <baseUrl> <ownerPassword> [ownerUsername]
//
// Signs in as the owner, sees the live status panel, reloads (the refresh cookie restores the
// session), uses GraphiQL with the session, opens the tasks and operations pages, searches with
// Ctrl+K, creates a user on the users page, signs out; that user signs in, changes their password
// on the account page and signs in with the new one; then GraphiQL's signed-out banner.
// Fails on any Content-Security-Policy violation, uncaught page error or request that leaves
// the server under test. Talks only to <baseUrl>, which must be on 127.0.0.1; the whole run is
// bounded (RUN_BUDGET_MS). Set NEXUS_E2E_SCREENSHOTS=<dir> to keep screenshots of each step;
// on failure one is always written to a temporary directory.
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { chromium } from 'playwright-core'

const RUN_BUDGET_MS = 80_000
const STEP_TIMEOUT_MS = 15_000
const CHROMIUM = process.env.NEXUS_CHROMIUM || '/usr/bin/chromium'

const [baseArg, password, username = 'owner'] = process.argv.slice(2)
if (!baseArg || !password) {
  console.error('usage: node tests/e2e/run.mjs <baseUrl> <ownerPassword> [ownerUsername]')
  process.exit(2)
}
const base = new URL(baseArg)
if (base.hostname !== '127.0.0.1') {
  console.error(`e2e: refusing ${base.origin}: this check only talks to a server on 127.0.0.1`)
  process.exit(2)
}
const origin = base.origin
if (!existsSync(CHROMIUM)) {
  console.error(`e2e: no Chromium at ${CHROMIUM}: install it with \`apt-get install -y chromium\` (or set NEXUS_CHROMIUM)`)
  process.exit(2)
}

const budget = setTimeout(() => {
  console.error(`e2e: FAILED: the run took longer than ${RUN_BUDGET_MS / 1000} s`)
  process.exit(1)
}, RUN_BUDGET_MS)

const problems = { csp: [], pageErrors: [], consoleErrors: [], offHost: [] }
const shotsDir = process.env.NEXUS_E2E_SCREENSHOTS || null
if (shotsDir) mkdirSync(shotsDir, { recursive: true })
const started = Date.now()
let page

async function step(name, fn) {
  const t0 = Date.now()
  try {
    await fn()
  } catch (e) {
    e.message = `step "${name}": ${e.message}`
    throw e
  }
  console.log(`ok - ${name} (${Date.now() - t0} ms)`)
}

async function shot(name) {
  if (shotsDir) await page.screenshot({ path: join(shotsDir, `${name}.png`), fullPage: true })
}

function assert(condition, message) {
  if (!condition) throw new Error(message)
}

/** The version the server reports, asked directly (what the pages must show). */
async function serverVersion() {
  const res = await fetch(`${origin}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json' },
    body: JSON.stringify({ query: '{ serverStatus { version } }' }),
  })
  const body = await res.json()
  assert(body.data?.serverStatus?.version, `serverStatus answered ${JSON.stringify(body)}`)
  return body.data.serverStatus.version
}

/** Replaces GraphiQL's query, runs it, and returns the result pane's text once it has `expect`. */
async function runInGraphiQL(query, expect) {
  await page.locator('.graphiql-query-editor .CodeMirror').waitFor() // the editor loads lazily
  await page.evaluate((q) => {
    const editor = document.querySelector('.graphiql-query-editor .CodeMirror')
    if (!editor?.CodeMirror) throw new Error('GraphiQL query editor not found')
    editor.CodeMirror.setValue(q)
  }, query)
  // GraphiQL re-parses the document shortly after an edit; a run started before that sends the
  // previous operation name ("Unknown operation named …"). Such a run is repeated.
  for (let attempt = 1; ; attempt++) {
    await page.locator('.graphiql-execute-button').click()
    const outcome = await page.waitForFunction(
      (text) => {
        const result = document.querySelector('.result-window')?.textContent ?? ''
        return result.includes(text) ? 'ok' : result.includes('Unknown operation named') ? 'stale' : false
      },
      expect,
      { timeout: STEP_TIMEOUT_MS },
    )
    if ((await outcome.jsonValue()) === 'ok') return page.locator('.result-window').innerText()
    if (attempt === 3) throw new Error(`GraphiQL kept running a stale operation for ${query}`)
    await page.waitForTimeout(300)
  }
}

const userDataDir = mkdtempSync(join(tmpdir(), 'nexus-e2e-profile-'))
let context
let failed = false
try {
  const version = await serverVersion()

  context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROMIUM,
    headless: true,
    // headless: true adds --headless.
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking'],
    viewport: { width: 1280, height: 800 },
    timeout: STEP_TIMEOUT_MS,
  })
  context.setDefaultTimeout(STEP_TIMEOUT_MS)

  // Nothing may leave the server under test (CDNs, fonts, telemetry): block and report it.
  await context.route('**/*', (route) => {
    const url = route.request().url()
    if (url.startsWith(`${origin}/`)) return route.continue()
    problems.offHost.push(url)
    return route.abort()
  })
  // CSP violations are reported by the page itself; the binding carries them out of it.
  await context.exposeBinding('__nexusCspViolation', (source, v) => problems.csp.push({ page: source.page?.url(), ...v }))
  await context.addInitScript(() => {
    document.addEventListener('securitypolicyviolation', (e) =>
      globalThis.__nexusCspViolation({
        directive: e.violatedDirective,
        blocked: e.blockedURI,
        source: e.sourceFile,
        line: e.lineNumber,
        sample: e.sample,
      }),
    )
  })

  page = context.pages()[0] ?? (await context.newPage())
  page.on('pageerror', (e) => problems.pageErrors.push(`${page.url()}: ${e.message}`))
  page.on('console', (m) => {
    const text = m.text()
    if (/content security policy/i.test(text)) problems.csp.push({ page: page.url(), console: text })
    else if (m.type() === 'error') problems.consoleErrors.push(`${page.url()}: ${text}`)
  })

  let accessToken = null

  await step('a visitor without a session is sent to the sign-in page', async () => {
    await page.goto(`${origin}/`)
    await page.waitForURL(`${origin}/sign-in`)
    await page.getByRole('heading', { name: 'Sign in to Nexus' }).waitFor()
    await shot('1-sign-in')
  })

  await step('the owner signs in and sees the status panel with the version and a live heartbeat', async () => {
    await page.getByLabel('Username').fill(username)
    await page.getByLabel('Password').fill(password)
    const login = page.waitForResponse(
      (r) => r.url() === `${origin}/graphql` && (r.request().postData() ?? '').includes('mutation Login'),
    )
    await page.getByRole('button', { name: 'Sign in' }).click()
    const body = await (await login).json()
    accessToken = body.data?.login?.accessToken
    assert(accessToken, `login answered ${JSON.stringify(body)}`)

    await page.waitForURL(`${origin}/`)
    await page.getByRole('heading', { name: 'Server status' }).waitFor()
    const shown = await page.locator('dt', { hasText: 'Version' }).locator('xpath=following-sibling::dd').innerText()
    assert(shown.trim() === version, `the panel shows version ${shown}, the server says ${version}`)
    await page.locator('.badge-live').waitFor()
    const before = await page.locator('.uptime').innerText()
    await page.waitForFunction((t) => document.querySelector('.uptime')?.textContent?.trim() !== t, before.trim(), {
      timeout: 12_000,
    })
    const menu = page.getByRole('button', { name: /owner/i })
    await menu.waitFor()
    assert((await menu.innerText()).toLowerCase().includes('owner'), 'the user menu shows the role')
    await shot('2-dashboard')
  })

  await step('the access token is kept in memory only', async () => {
    const stored = await page.evaluate(() => ({
      local: Object.keys(localStorage).map((k) => localStorage.getItem(k)),
      session: Object.keys(sessionStorage).map((k) => sessionStorage.getItem(k)),
      cookie: document.cookie,
    }))
    const leaked = [...stored.local, ...stored.session, stored.cookie].some((v) => v?.includes(accessToken))
    assert(!leaked, 'the access token was found in web storage or a script-visible cookie')
  })

  await step('a reload keeps the user signed in (the refresh cookie restores the session)', async () => {
    await page.reload()
    await page.getByRole('heading', { name: 'Server status' }).waitFor()
    assert(page.url() === `${origin}/`, `after the reload the page is ${page.url()}`)
    await page.getByRole('button', { name: /owner/i }).waitFor()
    await page.locator('.badge-live').waitFor()
  })

  await step('two tabs restoring the session at the same moment both stay signed in', async () => {
    // Both present the same refresh cookie; the server lets one rotate it and may answer the
    // other CONFLICT / REFRESH_RACE, which that tab retries once with the new cookie.
    const second = await context.newPage()
    second.on('pageerror', (e) => problems.pageErrors.push(`${second.url()}: ${e.message}`))
    const races = []
    const watchRaces = (r) => {
      if ((r.request().postData() ?? '').includes('mutation RefreshSession')) {
        races.push(r.json().then((b) => b.errors?.[0]?.extensions?.reason === 'REFRESH_RACE', () => false))
      }
    }
    page.on('response', watchRaces)
    second.on('response', watchRaces)
    await Promise.all([page.reload(), second.goto(`${origin}/`)])
    for (const tab of [page, second]) {
      await tab.getByRole('heading', { name: 'Server status' }).waitFor()
      assert(tab.url() === `${origin}/`, `a tab ended up on ${tab.url()}`)
    }
    page.off('response', watchRaces)
    const raced = (await Promise.all(races)).filter(Boolean).length
    console.log(`   (${races.length} refreshes, ${raced} answered REFRESH_RACE and retried)`)
    await second.close()
  })

  await step('GraphiQL renders, picks up the session and runs queries', async () => {
    await page.goto(`${origin}/graphql`)
    await page.locator('.graphiql-container').waitFor()
    await page.locator('.nexus-token-state', { hasText: 'signed in as' }).waitFor()
    assert((await page.locator('.nexus-banner').count()) === 0, 'the sign-in banner shows although signed in')
    const status = await runInGraphiQL('{ serverStatus { version } }', `"version": "${version}"`)
    assert(status.includes(version), `GraphiQL result: ${status}`)
    // `me` needs a session: proof that GraphiQL sends the cookie-derived token.
    const me = await runInGraphiQL('{ me { username role } }', `"username": "${username}"`)
    assert(me.includes('"role": "OWNER"'), `GraphiQL result: ${me}`)
    await shot('3-graphiql')
  })

  await step('the tasks and operations pages load their data from the server', async () => {
    await page.goto(`${origin}/`)
    for (const [link, heading, ready] of [
      ['Tasks', 'Tasks', () => page.getByText(/^No tasks yet|^\d+ tasks?$/).first().waitFor()],
      ['Operations', 'Operations', () => page.getByRole('heading', { name: /^Flow — last 30 days$/ }).waitFor()],
    ]) {
      await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: link }).click()
      await page.getByRole('heading', { name: heading, level: 1 }).waitFor()
      await ready()
      await page.locator('.live-live').first().waitFor()
    }
  })

  await step('Ctrl+K searches projects, tasks and docs and opens a hit', async () => {
    await page.keyboard.press('Control+k')
    const dialog = page.getByRole('dialog', { name: 'Search' })
    await dialog.getByLabel('Search projects, tasks and docs').fill('deployment')
    const hit = dialog.getByRole('list', { name: 'Search results' }).getByRole('link').first()
    await hit.waitFor()
    await hit.click()
    await page.waitForURL((url) => url.pathname.startsWith('/docs/'))
    assert((await dialog.count()) === 0, 'the search stays open after following a hit')
  })

  // A fresh name per run: the check may run against a server that has seen it before.
  const newUser = { username: `e2e-${Date.now().toString(36)}`, first: 'first secret for e2e', second: 'second secret for e2e' }

  await step('the owner creates a user on the users page', async () => {
    await page.goto(`${origin}/`)
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Users' }).click()
    await page.waitForURL(`${origin}/users`)
    await page.getByRole('table').waitFor()
    await page.getByRole('button', { name: 'New user' }).click()
    await page.getByLabel('Username').fill(newUser.username)
    await page.getByLabel('Display name').fill('Erin E2E')
    await page.getByLabel('Role', { exact: true }).selectOption('OPERATOR')
    await page.getByLabel('Initial password').fill(newUser.first)
    await page.getByRole('button', { name: 'Create user' }).click()
    await page.getByText(`Created ${newUser.username} (Operator)`).waitFor()
    const row = page.getByRole('row').filter({ hasText: newUser.username })
    await row.waitFor()
    assert((await row.getByRole('combobox').inputValue()) === 'OPERATOR', 'the new row shows the role')
    await shot('4-users')
  })

  await step('signing out from the user menu lands on the sign-in page, also after a reload', async () => {
    await page.goto(`${origin}/`)
    await page.getByRole('button', { name: /owner/i }).click()
    await page.getByRole('button', { name: 'Sign out' }).click()
    await page.waitForURL(`${origin}/sign-in`)
    await page.getByText('You have signed out.').waitFor()
    await page.reload()
    await page.getByRole('heading', { name: 'Sign in to Nexus' }).waitFor()
    assert(page.url() === `${origin}/sign-in`, `after the reload the page is ${page.url()}`)
    await shot('5-signed-out')
  })

  await step('that user signs in, changes their password on the account page and signs in with the new one', async () => {
    const signIn = async (secret) => {
      await page.getByLabel('Username').fill(newUser.username)
      await page.getByLabel('Password').fill(secret)
      await page.getByRole('button', { name: 'Sign in' }).click()
      // Back to the page the sign-out left (?redirect=), or the overview.
      await page.waitForURL((url) => url.pathname !== '/sign-in')
    }
    await signIn(newUser.first)
    await page.getByRole('button', { name: /Erin E2E/ }).click()
    await page.getByRole('link', { name: 'Account & password' }).click()
    await page.waitForURL(`${origin}/account`)
    await page.getByLabel('Current password').fill(newUser.first)
    await page.getByLabel('New password', { exact: true }).fill(newUser.second)
    await page.getByLabel('New password again').fill(newUser.second)
    await page.getByRole('button', { name: 'Change password' }).click()
    await page.getByText('Password changed.', { exact: false }).waitFor()
    // The page goes on with the new session: a reload restores it from the new cookie.
    await page.reload()
    await page.getByRole('heading', { name: 'Account', level: 1 }).waitFor()
    await shot('6-account')

    await page.getByRole('button', { name: /Erin E2E/ }).click()
    await page.getByRole('button', { name: 'Sign out' }).click()
    await page.waitForURL((url) => url.pathname === '/sign-in') // ?redirect= the page left
    await page.getByLabel('Username').fill(newUser.username)
    await page.getByLabel('Password').fill(newUser.first)
    await page.getByRole('button', { name: 'Sign in' }).click()
    await page.getByRole('alert').filter({ hasText: /password/i }).waitFor()
    await signIn(newUser.second)
    await page.getByRole('button', { name: /Erin E2E/ }).click()
    await page.getByRole('button', { name: 'Sign out' }).click()
    await page.waitForURL((url) => url.pathname === '/sign-in') // ?redirect= the page left
  })

  await step('GraphiQL without a session points to the dashboard and still runs public queries', async () => {
    await page.goto(`${origin}/graphql`)
    const banner = page.locator('.nexus-banner')
    await banner.waitFor()
    assert((await banner.innerText()).includes('Sign in on the dashboard first'), 'banner text')
    assert((await banner.getByRole('link').getAttribute('href')) === '/', 'the banner links to /')
    await runInGraphiQL('{ serverStatus { version } }', `"version": "${version}"`)
    await shot('7-graphiql-signed-out')
  })

  const report = []
  if (problems.csp.length) report.push(`CSP violations: ${JSON.stringify(problems.csp, null, 2)}`)
  if (problems.pageErrors.length) report.push(`uncaught page errors:\n  ${problems.pageErrors.join('\n  ')}`)
  if (problems.offHost.length) report.push(`requests off the server under test:\n  ${problems.offHost.join('\n  ')}`)
  if (problems.consoleErrors.length) report.push(`console errors:\n  ${problems.consoleErrors.join('\n  ')}`)
  assert(report.length === 0, report.join('\n'))
  console.log('ok - no CSP violations, page errors, console errors or off-host requests')
} catch (e) {
  failed = true
  console.error(`e2e: FAILED: ${e?.stack ?? e}`)
  if (page) {
    const dir = shotsDir ?? mkdtempSync(join(tmpdir(), 'nexus-e2e-failure-'))
    const file = join(dir, 'failure.png')
    await page.screenshot({ path: file, fullPage: true }).then(
      () => console.error(`e2e: screenshot of the failure: ${file} (page ${page.url()})`),
      () => {},
    )
  }
  const seen = Object.entries(problems).filter(([, list]) => list.length)
  for (const [kind, list] of seen) console.error(`e2e: ${kind}: ${JSON.stringify(list)}`)
} finally {
  await context?.close().catch(() => {})
  rmSync(userDataDir, { recursive: true, force: true })
  clearTimeout(budget)
}
console.log(failed ? `e2e: FAILED after ${Date.now() - started} ms` : `e2e: passed in ${Date.now() - started} ms`)
process.exit(failed ? 1 : 0)
