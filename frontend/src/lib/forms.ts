/** Small helpers for the project and task forms: what people type → what the API takes. */

/** A slug suggestion from a project name: "Gateway Hardening!" → "gateway-hardening". The server
 *  checks the slug again (and answers a duplicate with a field error), this only saves typing. */
export function slugify(name: string): string {
  return name
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '') // "Überblick" → "uberblick", not "berblick"
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 64)
    .replace(/-+$/, '')
}

/** "ops, infra,, gateway " → ["ops", "infra", "gateway"]: labels typed as a comma-separated list.
 *  Duplicates are left to the server, which drops them ignoring case. */
export function splitLabels(text: string): string[] {
  return text
    .split(',')
    .map((label) => label.trim())
    .filter(Boolean)
}

/** Today as `YYYY-MM-DD` in the browser's time zone (what a date input shows). */
export function localDate(now = new Date()): string {
  const pad = (n: number) => String(n).padStart(2, '0')
  return `${now.getFullYear()}-${pad(now.getMonth() + 1)}-${pad(now.getDate())}`
}

/** Whether a due date (`YYYY-MM-DD`) lies before today. */
export function isOverdue(dueDate: string | null | undefined, now = new Date()): boolean {
  return !!dueDate && dueDate < localDate(now)
}

/** A text field's value for an optional input: blank → left out. */
export function optional(text: string): string | undefined {
  const value = text.trim()
  return value ? value : undefined
}
