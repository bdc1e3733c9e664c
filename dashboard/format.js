// Numbers as the dashboard shows them: thousands separators from the reader's locale, and a unit.
// Plain JavaScript, loaded by the browser as it is; test/dashboard/format.test.ts covers it.

/** A whole count: 1,234,567. */
export function formatCount (n, locale) {
  return new Intl.NumberFormat(locale, { maximumFractionDigits: 0 }).format(n)
}

/** A rate per second, one decimal below 10: "0.4/s", "1,250/s". */
export function formatRate (perSecond, locale) {
  const digits = perSecond < 10 ? 1 : 0
  return `${new Intl.NumberFormat(locale, { minimumFractionDigits: digits, maximumFractionDigits: digits }).format(perSecond)}/s`
}

const BYTE_UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB']

/** A size in binary units, three significant digits: "512 B", "1.50 KiB", "123 MiB". */
export function formatBytes (bytes, locale) {
  let value = bytes
  let unit = 0
  while (value >= 1024 && unit < BYTE_UNITS.length - 1) {
    value /= 1024
    unit++
  }
  const digits = unit === 0 ? 0 : value < 10 ? 2 : value < 100 ? 1 : 0
  return `${new Intl.NumberFormat(locale, { minimumFractionDigits: digits, maximumFractionDigits: digits }).format(value)} ${BYTE_UNITS[unit]}`
}

/** Milliseconds: "0 ms", "0.25 ms", "12 ms", "1.5 s". */
export function formatMs (ms, locale) {
  if (ms >= 1000) return `${new Intl.NumberFormat(locale, { maximumFractionDigits: 1 }).format(ms / 1000)} s`
  const digits = ms > 0 && ms < 10 ? 2 : 0
  return `${new Intl.NumberFormat(locale, { minimumFractionDigits: digits, maximumFractionDigits: digits }).format(ms)} ms`
}

/** A duration in its two largest units: "45 s", "3 min 12 s", "2 h 5 min", "3 d 4 h". */
export function formatDuration (seconds) {
  const s = Math.max(0, Math.floor(seconds))
  if (s < 60) return `${s} s`
  const m = Math.floor(s / 60)
  if (m < 60) return s % 60 === 0 ? `${m} min` : `${m} min ${s % 60} s`
  const h = Math.floor(m / 60)
  if (h < 24) return m % 60 === 0 ? `${h} h` : `${h} h ${m % 60} min`
  const d = Math.floor(h / 24)
  return h % 24 === 0 ? `${d} d` : `${d} d ${h % 24} h`
}
