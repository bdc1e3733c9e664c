// Types of format.js for the tests (the browser loads the JavaScript as it is).
export function formatCount (n: number, locale?: string): string
export function formatRate (perSecond: number, locale?: string): string
export function formatBytes (bytes: number, locale?: string): string
export function formatMs (ms: number, locale?: string): string
export function formatDuration (seconds: number): string
