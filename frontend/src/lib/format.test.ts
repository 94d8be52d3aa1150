import { describe, expect, it } from 'vitest'
import { formatDuration, formatPercent, formatSpan } from './format'

describe('formatSpan', () => {
  it.each([
    [null, '—'],
    [undefined, '—'],
    [-1, '—'],
    [Number.NaN, '—'],
    [0, '0s'],
    [45, '45s'],
    [60, '1m'],
    [61, '1m 1s'],
    [3720, '1h 2m'],
    [3600 * 5, '5h'],
    [86400 * 3 + 3600 * 4 + 59, '3d 4h'],
    [86400 * 3 + 59, '3d'],
  ])('shows %s seconds as %s', (seconds, text) => {
    expect(formatSpan(seconds)).toBe(text)
  })
})

describe('formatPercent', () => {
  it.each([
    [null, '—'],
    [0, '0 %'],
    [0.125, '12.5 %'],
    [1 / 3, '33.3 %'],
    [1, '100 %'],
  ])('shows %s as %s', (ratio, text) => {
    expect(formatPercent(ratio)).toBe(text)
  })
})

describe('formatDuration', () => {
  it('leaves out leading zero units', () => {
    expect(formatDuration(93784)).toBe('1d 2h 3m 4s')
    expect(formatDuration(59)).toBe('59s')
  })
})
