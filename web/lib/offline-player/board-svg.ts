/**
 * A tldraw board page drawn as plain SVG from its stored records (the offline player has no tldraw):
 * geometric shapes, freehand lines, text, notes and arrows, in board units (BOARD_WIDTH wide).
 */
type Rec = Record<string, unknown>;
const SVG = 'http://www.w3.org/2000/svg';
const COLORS: Record<string, string> = {
	black: '#1d1d1d', grey: '#9fa8b2', 'light-violet': '#e085f4', violet: '#ae3ec9', blue: '#4465e9', 'light-blue': '#4ba1f1',
	yellow: '#f1ac4b', orange: '#e16919', green: '#099268', 'light-green': '#4cb05e', 'light-red': '#f87777', red: '#e03131', white: '#ffffff'
};

export function renderBoard(svg: SVGSVGElement, records: readonly Rec[]): string[] {
	svg.replaceChildren();
	const ids: string[] = [];
	const shapes = records.filter((r) => r['typeName'] === 'shape').sort((a, b) => String(a['index']).localeCompare(String(b['index'])));
	for (const shape of shapes) {
		const el = shapeElement(shape);
		if (!el) continue;
		const x = num(shape['x']);
		const y = num(shape['y']);
		const rot = (num(shape['rotation']) * 180) / Math.PI;
		el.setAttribute('transform', `translate(${x} ${y}) rotate(${rot})`);
		el.setAttribute('data-shape-id', String(shape['id']));
		svg.append(el);
		ids.push(String(shape['id']));
	}
	return ids;
}

function shapeElement(shape: Rec): SVGElement | null {
	const props = (shape['props'] ?? {}) as Rec;
	const color = COLORS[String(props['color'] ?? 'black')] ?? COLORS['black']!;
	const stroke = { stroke: color, 'stroke-width': '3.5', fill: 'none', 'stroke-linecap': 'round', 'stroke-linejoin': 'round' };
	switch (shape['type']) {
		case 'geo': {
			const w = num(props['w']);
			const h = num(props['h']);
			const el = props['geo'] === 'ellipse' ? make('ellipse', { cx: w / 2, cy: h / 2, rx: w / 2, ry: h / 2, ...stroke }) : make('rect', { width: w, height: h, ...stroke });
			const fill = props['fill'];
			if (fill === 'solid' || fill === 'semi') el.setAttribute('fill', color);
			const text = richText(props['richText']) || String(props['text'] ?? '');
			if (!text) return el;
			const g = make('g', {});
			g.append(el, textElement(text, w / 2, h / 2, color, 'middle'));
			return g;
		}
		case 'draw':
		case 'highlight':
		case 'line': {
			const d = pathOf(props);
			return d ? make('path', { d, ...stroke, ...(shape['type'] === 'highlight' ? { 'stroke-width': '18', opacity: '0.35' } : {}) }) : null;
		}
		case 'arrow': {
			const start = props['start'] as Rec | undefined;
			const end = props['end'] as Rec | undefined;
			if (!start || !end) return null;
			return make('line', { x1: num(start['x']), y1: num(start['y']), x2: num(end['x']), y2: num(end['y']), ...stroke, 'marker-end': '' });
		}
		case 'text':
			return textElement(richText(props['richText']) || String(props['text'] ?? ''), 0, 20, color, 'start');
		case 'note': {
			const g = make('g', {});
			g.append(make('rect', { width: 200, height: 200, fill: '#fef3c7', stroke: '#d97706' }), textElement(richText(props['richText']) || String(props['text'] ?? ''), 100, 100, '#1d1d1d', 'middle'));
			return g;
		}
		default:
			return null;
	}
}

/** Points of a draw or line shape: plain `points` arrays (tldraw's segment data as stored). */
function pathOf(props: Rec): string {
	const parts: string[] = [];
	const segments = Array.isArray(props['segments']) ? (props['segments'] as Rec[]) : [];
	for (const segment of segments) {
		const points = Array.isArray(segment['points'])
			? (segment['points'] as Rec[]).map((p) => ({ x: num(p['x']), y: num(p['y']) }))
			: typeof segment['path'] === 'string'
				? decodePath(segment['path'], segment['dim'] === 2 ? 2 : 3)
				: [];
		points.forEach((p, i) => parts.push(`${i === 0 ? 'M' : 'L'}${p.x} ${p.y}`));
	}
	const linePoints = props['points'];
	if (linePoints && typeof linePoints === 'object' && !Array.isArray(linePoints)) {
		Object.values(linePoints as Record<string, Rec>)
			.sort((a, b) => String(a['index']).localeCompare(String(b['index'])))
			.forEach((p, i) => parts.push(`${i === 0 ? 'M' : 'L'}${num(p['x'])} ${num(p['y'])}`));
	}
	return parts.join(' ');
}

/**
 * tldraw's stored draw path (base64): the first point as Float32s, then Float16 deltas, `dim`
 * values per point (x, y[, z]); little-endian.
 */
export function decodePath(base64: string, dim: 2 | 3): { x: number; y: number }[] {
	let bytes: Uint8Array;
	try {
		bytes = Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
	} catch {
		return [];
	}
	const view = new DataView(bytes.buffer);
	const first = dim * 4;
	if (bytes.length < first) return [];
	let x = view.getFloat32(0, true);
	let y = view.getFloat32(4, true);
	const out = [{ x, y }];
	for (let offset = first; offset + dim * 2 <= bytes.length; offset += dim * 2) {
		x += float16(view.getUint16(offset, true));
		y += float16(view.getUint16(offset + 2, true));
		out.push({ x, y });
	}
	return out;
}

function float16(bits: number): number {
	const sign = bits & 0x8000 ? -1 : 1;
	const exp = (bits >> 10) & 0x1f;
	const frac = bits & 0x3ff;
	if (exp === 0) return sign * 2 ** -14 * (frac / 1024);
	if (exp === 31) return frac ? NaN : sign * Infinity;
	return sign * 2 ** (exp - 15) * (1 + frac / 1024);
}

function richText(value: unknown): string {
	if (!value || typeof value !== 'object') return '';
	const out: string[] = [];
	const walk = (node: unknown) => {
		if (!node || typeof node !== 'object') return;
		const n = node as Rec;
		if (typeof n['text'] === 'string') out.push(n['text']);
		if (Array.isArray(n['content'])) for (const c of n['content']) walk(c);
	};
	walk(value);
	return out.join(' ');
}

function textElement(text: string, x: number, y: number, color: string, anchor: string): SVGElement {
	const el = make('text', { x, y, fill: color, 'font-size': '28', 'font-family': 'sans-serif', 'text-anchor': anchor, 'dominant-baseline': 'middle' });
	el.textContent = text;
	return el;
}

function make(tag: string, attrs: Record<string, string | number>): SVGElement {
	const el = document.createElementNS(SVG, tag) as SVGElement;
	for (const [k, v] of Object.entries(attrs)) if (v !== '') el.setAttribute(k, String(v));
	return el;
}

function num(v: unknown): number {
	return typeof v === 'number' && Number.isFinite(v) ? v : 0;
}
