/** Control characters and the bidirectional overrides that can make "gpj.pdf" look like "fdp.jpg". */
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;
const MAX_FILE_NAME = 200;
const MAX_TITLE = 120;

/** The uploaded file's name as the browser gave it (`?name=`), without folders or unsafe characters. */
export function cleanFileName(raw: string | null): string {
	const base = (raw ?? '').split(/[\\/]/).pop() ?? '';
	const clean = truncate(base.replace(UNSAFE, '').replace(/\s+/g, ' ').trim(), MAX_FILE_NAME);
	return clean || 'slides.pdf';
}

/** What the teacher sees: the file name without ".pdf". */
export function deckTitle(fileName: string): string {
	return truncate(fileName.replace(/\.pdf$/i, '').trim(), MAX_TITLE).trim() || 'slides';
}

/** Cuts by code points, so no half of a surrogate pair (an emoji, a rare CJK character) is left. */
function truncate(text: string, max: number): string {
	const points = Array.from(text);
	return points.length > max ? points.slice(0, max).join('') : text;
}
