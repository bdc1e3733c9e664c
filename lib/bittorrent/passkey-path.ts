/**
 * The passkey in an announce or scrape path: `/announce/<passkey>` (ours) or
 * `/<passkey>/announce` (Gazelle, Ocelot), scrape alike; undefined when there is none.
 */
export function passkeyOfPath (path: string): string | undefined {
  const m = /^\/(?:(?:announce|scrape)\/([^/?#]+)|([^/?#]+)\/(?:announce|scrape))(?:[/?#]|$)/.exec(path)
  return m === null ? undefined : decodeURIComponent(m[1] ?? m[2])
}
