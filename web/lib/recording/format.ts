/** `m:ss`, or `h:mm:ss` from an hour on. Negative and NaN read as zero. */
export function clockTime(ms: number): string {
	const total = Math.max(0, Math.floor((Number.isFinite(ms) ? ms : 0) / 1000));
	const h = Math.floor(total / 3600);
	const m = Math.floor((total % 3600) / 60);
	const s = total % 60;
	const ss = String(s).padStart(2, '0');
	return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${ss}` : `${m}:${ss}`;
}

/** 1.4 MB, 820 kB, 3.1 GB: decimal units, one decimal below 10. */
export function fileSize(bytes: number): string {
	const units = ['B', 'kB', 'MB', 'GB', 'TB'];
	let value = Math.max(0, bytes);
	let unit = 0;
	while (value >= 1000 && unit < units.length - 1) {
		value /= 1000;
		unit++;
	}
	const digits = unit === 0 || value >= 10 ? 0 : 1;
	return `${value.toFixed(digits)} ${units[unit]}`;
}

/** `YYYY-MM-DD` of a local date for <input type="date">, and back to the local day's bounds. */
export function dayBounds(value: string): { start: number; end: number } | null {
	const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
	if (!match) return null;
	const start = new Date(Number(match[1]), Number(match[2]) - 1, Number(match[3])).getTime();
	if (!Number.isFinite(start)) return null;
	const end = new Date(Number(match[1]), Number(match[2]) - 1, Number(match[3]) + 1).getTime() - 1;
	return { start, end };
}
