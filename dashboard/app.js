// The dashboard's script: fetches dashboard/data every few seconds and fills the page. The admin
// token, when the tracker wants one, is asked for once per tab, kept in sessionStorage and sent
// as an Authorization header (never in a URL, so no log or history keeps it).
import { formatBytes, formatCount, formatDuration, formatMs, formatRate } from './format.js'

const TOKEN_KEY = 'tracker-dashboard-token'
const DATA_URL = 'dashboard/data'
const COLORS = { http: '#2f7ed8', udp: '#e8743b', ws: '#19a979', failures: '#d64545', seeders: '#19a979', leechers: '#e8743b', peers: '#2f7ed8', rss: '#8e5ec4', lagP99: '#2f7ed8', lagMax: '#d64545' }

const $ = (id) => document.getElementById(id)
const status = $('status')
const figures = $('figures')
const login = $('login')
const charts = new Map()
/** The history rows received so far: each refresh asks only for the newer ones. */
let kept = null
let timer = null
// The reader's own separators and units.
const locale = navigator.language

function setStatus (text, isError = false) {
  status.textContent = text
  status.classList.toggle('error', isError)
}

function setFigure (name, text) {
  for (const el of document.querySelectorAll(`[data-figure="${name}"]`)) {
    if (el.textContent !== text) el.textContent = text
  }
}

function showFailure (err) {
  setStatus(`The page failed: ${err.message}; trying again…`, true)
  schedule(5)
}

function schedule (seconds) {
  clearTimeout(timer)
  timer = setTimeout(() => { refresh().catch(showFailure) }, Math.min(10, Math.max(1, seconds)) * 1000)
}

function storedToken () {
  try { return sessionStorage.getItem(TOKEN_KEY) } catch { return null }
}

async function refresh () {
  const token = storedToken()
  let res
  try {
    const since = kept === null || kept.time.length === 0 ? '' : `?since=${kept.time[kept.time.length - 1]}`
    res = await fetch(DATA_URL + since, { headers: token === null ? {} : { authorization: `Bearer ${token}` }, cache: 'no-store' })
  } catch {
    setStatus('The tracker does not answer; trying again…', true)
    return schedule(5)
  }
  if (res.status === 401) {
    // The figures go as soon as the token stops working: nothing stays on screen for a stranger.
    figures.hidden = true
    if (token !== null) sessionStorage.removeItem(TOKEN_KEY)
    $('login-error').hidden = token === null
    login.hidden = false
    setStatus('Admin token required.')
    $('token').focus()
    return
  }
  if (res.status === 403) {
    figures.hidden = true
    setStatus('This tracker shows its figures to loopback callers only: set TRACKER_ADMIN_TOKEN to open the dashboard to others.', true)
    return
  }
  if (!res.ok) {
    setStatus(`The tracker answered HTTP ${res.status}; trying again…`, true)
    return schedule(5)
  }
  const data = await res.json()
  login.hidden = true
  figures.hidden = false
  render(data)
  setStatus(`Live: refreshed every ${formatDuration(data.sampleSeconds)}`)
  schedule(data.sampleSeconds)
}

login.addEventListener('submit', (event) => {
  event.preventDefault()
  const value = $('token').value.trim()
  if (value === '') return
  sessionStorage.setItem(TOKEN_KEY, value)
  $('token').value = ''
  setStatus('Loading the figures…')
  refresh().catch(showFailure)
})

const last = (values) => values.length === 0 ? null : values[values.length - 1]

function mergeHistory (d) {
  // Another process (a restart) has another history.
  if (kept === null || kept.startedAt !== d.startedAt) kept = { startedAt: d.startedAt, time: [], values: {} }
  const h = d.history
  kept.time.push(...h.time)
  for (const [name, values] of Object.entries(h.values)) (kept.values[name] ??= []).push(...values)
  const extra = kept.time.length - h.rows
  if (extra > 0) {
    kept.time.splice(0, extra)
    for (const values of Object.values(kept.values)) values.splice(0, extra)
  }
  return kept
}

function render (d) {
  const count = (n) => formatCount(n, locale)
  const t = d.totals
  setFigure('torrents', count(t.torrents))
  setFigure('peers', count(t.peers))
  setFigure('seeders', count(t.seeders))
  setFigure('leechers', count(t.leechers))
  setFigure('completed', count(t.completed))
  setFigure('wsPeers', d.websocket === null ? 'off' : count(d.websocket.peers))

  const r = d.requests
  setFigure('announces', count(r.http.announce + r.udp.announce + r.ws.announce))
  setFigure('httpAnnounces', count(r.http.announce))
  setFigure('udpAnnounces', count(r.udp.announce))
  setFigure('wsAnnounces', d.websocket === null ? 'off' : count(r.ws.announce))
  setFigure('scrapes', count(r.http.scrape + r.udp.scrape + r.ws.scrape))
  setFigure('failures', count(d.failures.total))

  const h = mergeHistory(d)
  const v = h.values
  const sumLast = (...names) => h.time.length === 0 ? null : names.reduce((s, n) => s + last(v[n]), 0)
  const rate = (x) => x === null ? '–' : formatRate(x, locale)
  setFigure('announceRate', rate(sumLast('httpAnnounce', 'udpAnnounce', 'wsAnnounce')))
  setFigure('scrapeRate', rate(sumLast('httpScrape', 'udpScrape', 'wsScrape')))
  setFigure('failureRate', rate(sumLast('failures')))
  setFigure('peersNow', count(t.peers))

  const p = d.process
  setFigure('rss', formatBytes(p.rssBytes, locale))
  setFigure('heap', formatBytes(p.heapUsedBytes, locale))
  setFigure('lagP99', formatMs(p.lag.p99Ms, locale))
  setFigure('lagMax', formatMs(p.lag.maxMs, locale))
  setFigure('uptime', formatDuration(d.uptimeSeconds))

  renderSave(d.save, count)
  renderReasons(d.failures.reasons, count)
  renderTop(d.top, count)
  renderInstances(d.instances, d.store)
  drawCharts(d, h)
  $('updated').textContent = `Updated ${new Date(d.now).toLocaleTimeString(locale)}`
}

function renderSave (s, count) {
  const result = { ok: 'saved', failed: 'failed', blocked: 'blocked', none: s.intervalSeconds === 0 && !s.shared ? 'saves off' : 'none yet' }[s.result]
  setFigure('saveResult', result)
  const el = document.querySelector('[data-figure="saveResult"]')
  el.className = `result-${s.result}`
  setFigure('saveAge', s.last === null ? '–' : `${formatDuration(s.last.ageSeconds)} ago`)
  setFigure('saveDuration', s.last === null ? '–' : formatMs(s.last.durationMs, locale))
  setFigure('saveSize', s.last === null ? '–' : formatBytes(s.last.bytes, locale))
  setFigure('saveTorrents', s.last === null ? '–' : count(s.last.torrents))
  setFigure('savePeers', s.last === null ? '–' : count(s.last.peers))
  const note = {
    failed: 'The last save failed: the tracker\'s log says why. Figures above are from the last save that worked.',
    blocked: 'Saving is blocked: the state file found at start could not be read nor kept aside (see the log).',
    none: s.intervalSeconds === 0 && !s.shared ? 'Periodic saves are off (TRACKER_SAVE_INTERVAL=0); the state is saved when the tracker stops.' : ' ',
    ok: s.shared ? 'With a shared store, saves are exports made by the instance that runs the periodic jobs.' : ' '
  }[s.result]
  $('save-note').textContent = note
}

/** Rows built from text nodes only: a torrent name is whatever its registrant typed. */
function fillTable (id, rows, columns, emptyText) {
  const body = $(id).tBodies[0]
  const fresh = document.createElement('tbody')
  if (rows.length === 0) {
    const tr = fresh.insertRow()
    const td = tr.insertCell()
    td.colSpan = columns
    td.className = 'empty'
    td.textContent = emptyText
  }
  for (const cells of rows) {
    const tr = fresh.insertRow()
    for (const cell of cells) {
      const td = tr.insertCell()
      if (cell.className !== undefined) td.className = cell.className
      if (cell.text !== undefined) td.textContent = cell.text
      if (cell.sub !== undefined) {
        const span = document.createElement('span')
        span.className = 'hash'
        span.textContent = cell.sub
        td.append(document.createElement('br'), span)
      }
    }
  }
  body.replaceWith(fresh)
}

function renderReasons (reasons, count) {
  fillTable('reasons', reasons.map(r => [{ text: r.reason }, { text: count(r.count), className: 'num' }]), 2, 'No failure since start.')
}

function renderTop (top, count) {
  fillTable('top', top.torrents.map(t => [
    { text: t.name ?? '(no name registered)', sub: t.infoHash },
    { text: count(t.seeders), className: 'num' },
    { text: count(t.leechers), className: 'num' },
    { text: count(t.completed), className: 'num' }
  ]), 4, 'No torrent yet.')
  $('top-note').textContent = top.scanned < top.total ? `Among the first ${count(top.scanned)} of ${count(top.total)} torrents.` : ' '
}

function renderInstances (instances, store) {
  fillTable('instances', instances.map(i => [
    { text: i.host === undefined ? i.id : `${i.host} (pid ${i.pid})`, sub: i.host === undefined ? undefined : i.id },
    { text: i.leader ? 'runs the periodic jobs' : 'serves requests' },
    { text: `${formatDuration(i.seenSecondsAgo)} ago`, className: 'num' },
    { text: formatDuration(i.uptimeSeconds), className: 'num' }
  ]), 4, store === 'redis' ? 'No instance heard from (is Redis reachable?)' : 'This process alone.')
}

function cssColor (name) {
  return getComputedStyle(document.documentElement).getPropertyValue(name).trim()
}

function makeChart (el, series, format) {
  const fg = cssColor('--muted')
  const grid = cssColor('--grid')
  const axis = { stroke: fg, grid: { stroke: grid, width: 1 }, ticks: { stroke: grid, width: 1 } }
  const opts = {
    width: Math.max(100, el.clientWidth),
    height: 160,
    cursor: { drag: { x: false, y: false } },
    legend: { live: false },
    scales: { y: { range: (_u, min, max) => [0, Math.max(max * 1.1, format === 'rate' ? 1 : 1e-9)] } },
    axes: [
      { ...axis },
      { ...axis, size: 80, values: (_u, splits) => splits.map(x => format === 'bytes' ? formatBytes(x, locale) : format === 'ms' ? formatMs(x, locale) : format === 'rate' ? formatRate(x, locale) : formatCount(x, locale)) }
    ],
    series: [{ label: 'time', value: (_u, t) => t === null ? '–' : new Date(t * 1000).toLocaleTimeString(locale) }, ...series.map(s => ({
      label: s.label,
      stroke: s.color,
      width: 2,
      points: { show: false },
      value: (_u, x) => x === null ? '–' : format === 'bytes' ? formatBytes(x, locale) : format === 'ms' ? formatMs(x, locale) : format === 'rate' ? formatRate(x, locale) : formatCount(x, locale)
    }))]
  }
  const data = [[], ...series.map(() => [])]
  // eslint-disable-next-line new-cap
  const chart = new window.uPlot(opts, data, el)
  new ResizeObserver(() => {
    const width = Math.max(100, el.clientWidth)
    if (width !== chart.width) chart.setSize({ width, height: 160 })
  }).observe(el)
  return chart
}

const CHARTS = [
  { id: 'chart-announces', format: 'rate', series: (ws) => [{ label: 'HTTP', key: 'httpAnnounce', color: COLORS.http }, { label: 'UDP', key: 'udpAnnounce', color: COLORS.udp }, ...(ws ? [{ label: 'WebSocket', key: 'wsAnnounce', color: COLORS.ws }] : [])] },
  { id: 'chart-scrapes', format: 'rate', series: (ws) => [{ label: 'HTTP', key: 'httpScrape', color: COLORS.http }, { label: 'UDP', key: 'udpScrape', color: COLORS.udp }, ...(ws ? [{ label: 'WebSocket', key: 'wsScrape', color: COLORS.ws }] : [])] },
  { id: 'chart-failures', format: 'rate', series: () => [{ label: 'Failures', key: 'failures', color: COLORS.failures }] },
  { id: 'chart-peers', format: 'count', series: () => [{ label: 'Seeders', key: 'seeders', color: COLORS.seeders }, { label: 'Leechers', key: 'leechers', color: COLORS.leechers }] },
  { id: 'chart-memory', format: 'bytes', series: () => [{ label: 'Resident', key: 'rssBytes', color: COLORS.rss }] },
  { id: 'chart-lag', format: 'ms', series: () => [{ label: 'p99', key: 'lagP99Ms', color: COLORS.lagP99 }, { label: 'max', key: 'lagMaxMs', color: COLORS.lagMax }] }
]

function drawCharts (d, history) {
  if (window.uPlot === undefined) return
  const ws = d.websocket !== null
  for (const spec of CHARTS) {
    const series = spec.series(ws)
    let chart = charts.get(spec.id)
    if (chart === undefined) {
      chart = makeChart($(spec.id), series, spec.format)
      charts.set(spec.id, chart)
    }
    chart.setData([history.time, ...series.map(s => history.values[s.key])])
  }
}

refresh().catch(showFailure)
