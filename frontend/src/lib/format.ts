/** 93784 → "1d 2h 3m 4s"; leading zero units are left out. */
export function formatDuration(totalSeconds: number): string {
  if (!Number.isFinite(totalSeconds) || totalSeconds < 0) return '—'
  let s = Math.floor(totalSeconds)
  const d = Math.floor(s / 86400)
  s -= d * 86400
  const h = Math.floor(s / 3600)
  s -= h * 3600
  const m = Math.floor(s / 60)
  s -= m * 60
  const parts: string[] = []
  if (d) parts.push(`${d}d`)
  if (d || h) parts.push(`${h}h`)
  if (d || h || m) parts.push(`${m}m`)
  parts.push(`${s}s`)
  return parts.join(' ')
}

/** ISO-8601 timestamp → local date and time, or the input unchanged when it does not parse. */
export function formatTimestamp(iso: string): string {
  const date = new Date(iso)
  return Number.isNaN(date.getTime()) ? iso : date.toLocaleString()
}

/** A span for figures at a glance, in its two largest units: 273600 → "3d 4h", 3720 → "1h 2m",
 *  45 → "45s"; null (no data) → "—". */
export function formatSpan(totalSeconds: number | null | undefined): string {
  if (totalSeconds === null || totalSeconds === undefined || !Number.isFinite(totalSeconds) || totalSeconds < 0) return '—'
  const s = Math.round(totalSeconds)
  const units: [string, number][] = [
    ['d', 86400],
    ['h', 3600],
    ['m', 60],
    ['s', 1],
  ]
  const first = units.findIndex(([, size]) => s >= size)
  if (first === -1) return '0s'
  const [unit, size] = units[first]!
  const whole = Math.floor(s / size)
  const next = units[first + 1]
  const rest = next ? Math.floor((s - whole * size) / next[1]) : 0
  return next && rest ? `${whole}${unit} ${rest}${next[0]}` : `${whole}${unit}`
}

/** 0.125 → "12.5 %"; null → "—". */
export function formatPercent(ratio: number | null | undefined): string {
  if (ratio === null || ratio === undefined || !Number.isFinite(ratio)) return '—'
  return `${(Math.round(ratio * 1000) / 10).toLocaleString()} %`
}
