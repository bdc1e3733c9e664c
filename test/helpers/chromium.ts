import { existsSync } from 'node:fs'
import puppeteer, { type Browser, type Page } from 'puppeteer-core'

/**
 * Debian's chromium driven by puppeteer-core, which downloads no browser. Without the package the
 * browser tests are skipped, except in CI (CI=true), where that is a failure.
 */
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'

export const chromiumMissing: string | false = (() => {
  if (existsSync(CHROMIUM)) return false
  if (process.env.CI === 'true') throw new Error(`${CHROMIUM} is not installed (apt-get install chromium)`)
  return 'chromium is not installed'
})()

/**
 * Headless chromium; as root (CI) it only starts without its sandbox. Headless chromium still
 * builds the omnibox's popup, a WebUI page in a renderer of its own that no test shows: about
 * 2 s of CPU per launch. Puppeteer merges each `--disable-features` list into its own.
 */
export async function launchChromium (args: string[] = []): Promise<Browser> {
  return await puppeteer.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--no-sandbox', '--disable-dev-shm-usage', '--no-first-run', '--no-default-browser-check',
      '--disable-features=WebUIOmniboxPopup,WebUIOmniboxAimPopup', ...args
    ]
  })
}

/** What went wrong on a page: console errors, uncaught exceptions and failed requests. */
export function pageProblems (page: Page): string[] {
  const problems: string[] = []
  page.on('console', (message) => { if (message.type() === 'error') problems.push(`console: ${message.text()}`) })
  page.on('pageerror', (error) => { problems.push(`page error: ${String(error)}`) })
  page.on('requestfailed', (request) => { problems.push(`request failed: ${request.url()} ${request.failure()?.errorText ?? ''}`) })
  page.on('response', (response) => { if (response.status() >= 400) problems.push(`HTTP ${response.status()}: ${response.url()}`) })
  return problems
}
