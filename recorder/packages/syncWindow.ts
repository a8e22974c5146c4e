/**
 * SYNC_HOURS: a daily window in the server's local time, `22-06` or `22:30-06:15` (may wrap past
 * midnight). Null means always.
 */
export interface SyncWindow {
	startMin: number;
	endMin: number;
}

const WINDOW = /^([01]?\d|2[0-3])(?::([0-5]\d))?-([01]?\d|2[0-4])(?::([0-5]\d))?$/;

export function parseSyncWindow(text: string | undefined): SyncWindow | null {
	if (!text) return null;
	const m = WINDOW.exec(text.trim());
	if (!m) throw new Error(`SYNC_HOURS: "${text}" is not a window such as 22-06 or 22:30-06:15`);
	const startMin = Number(m[1]) * 60 + Number(m[2] ?? 0);
	const rawEnd = Number(m[3]) * 60 + Number(m[4] ?? 0);
	if (rawEnd > 1440) throw new Error(`SYNC_HOURS: "${text}" ends after 24:00`);
	// 0-24: the whole day.
	if (startMin === 0 && rawEnd === 1440) return null;
	const endMin = rawEnd % 1440;
	if (startMin === endMin) throw new Error(`SYNC_HOURS: "${text}" is an empty window`);
	return { startMin, endMin };
}

function minuteOfDay(at: Date): number {
	return at.getHours() * 60 + at.getMinutes();
}

export function inWindow(window: SyncWindow | null, at: Date): boolean {
	if (!window) return true;
	const m = minuteOfDay(at);
	return window.startMin < window.endMin ? m >= window.startMin && m < window.endMin : m >= window.startMin || m < window.endMin;
}

/** When the window next opens (ms since the epoch); null when inside it or there is no window. */
export function nextWindowStart(window: SyncWindow | null, at: Date): number | null {
	if (!window || inWindow(window, at)) return null;
	const next = new Date(at);
	next.setSeconds(0, 0);
	next.setHours(Math.floor(window.startMin / 60), window.startMin % 60);
	if (next.getTime() <= at.getTime()) next.setDate(next.getDate() + 1);
	return next.getTime();
}
