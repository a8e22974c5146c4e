/** Zoom-style gallery: the column count that makes 16:9 tiles (plus a footer) as large as possible. */
export function galleryColumns(
	count: number,
	width: number,
	height: number,
	{ gap = 14, footer = 54, minWidth = 240 }: { gap?: number; footer?: number; minWidth?: number } = {}
): { cols: number; tileWidth: number } | null {
	if (count === 0 || width <= 0 || height <= 0) return null;
	let best = { cols: 1, tileWidth: 0 };
	for (let cols = 1; cols <= count; cols++) {
		const rows = Math.ceil(count / cols);
		const byWidth = (width - gap * (cols - 1)) / cols;
		const byHeight = (((height - gap * (rows - 1)) / rows - footer) * 16) / 9;
		const tileWidth = Math.floor(Math.min(byWidth, byHeight));
		if (tileWidth > best.tileWidth) best = { cols, tileWidth };
	}
	// Too many rooms to fit without scrolling: let the grid wrap and scroll instead.
	return best.tileWidth >= minWidth ? best : null;
}
