/** The form helpers: slug suggestions, label lists and due dates. */
import { describe, expect, it } from 'vitest'
import { isOverdue, localDate, optional, slugify, splitLabels } from './forms'

describe('the form helpers', () => {
  it('suggest a slug the server accepts from a project name', () => {
    expect(slugify('Gateway Hardening!')).toBe('gateway-hardening')
    expect(slugify('  Überblick -- 2030  ')).toBe('uberblick-2030')
    expect(slugify('x'.repeat(70))).toHaveLength(64)
    expect(slugify('!!!')).toBe('')
  })

  it('split a comma-separated label list and drop blanks', () => {
    expect(splitLabels('ops, infra,, gateway ')).toEqual(['ops', 'infra', 'gateway'])
    expect(splitLabels('  ')).toEqual([])
  })

  it('call a due date before today overdue, today and later not', () => {
    const now = new Date(2030, 0, 15, 12)
    expect(localDate(now)).toBe('2030-01-15')
    expect(isOverdue('2030-01-14', now)).toBe(true)
    expect(isOverdue('2030-01-15', now)).toBe(false)
    expect(isOverdue(null, now)).toBe(false)
  })

  it('leave blank optional fields out', () => {
    expect(optional('  ')).toBeUndefined()
    expect(optional(' P1 ')).toBe('P1')
  })
})
