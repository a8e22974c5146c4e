/** Data shapes the SVG charts draw. Values are plain numbers; `format` turns one into its label. */

export interface ChartSeries {
	id: string;
	label: string;
	color: string;
}

export interface ChartCategory {
	id: string;
	label: string;
	/** Longer text for the tooltip (e.g. the whole question). */
	title?: string;
}

export interface LinePoint {
	x: number;
	y: number | null;
}

export interface LineSeries extends ChartSeries {
	points: LinePoint[];
	/** Draw with a dashed stroke (e.g. a comparison line). */
	dashed?: boolean;
}

export interface BarItem {
	id: string;
	label: string;
	value: number | null;
	color: string;
	/** Small text after the value (e.g. "12 min"). */
	note?: string;
}

export type Format = (value: number) => string;
