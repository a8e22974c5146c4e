import { createTLSchema } from '@tldraw/tlschema';

/** tldraw's default schema (default shapes and bindings): the same one the browser's <Tldraw> uses. */
export const boardSchema = createTLSchema();

/** The tldraw page record id of a board. */
export function pageIdOf(boardId: string): string {
	return `page:${boardId}`;
}

/** The board id of a tldraw page id, or null when it is not a page id. */
export function boardIdOfPage(pageId: string): string | null {
	return pageId.startsWith('page:') ? pageId.slice(5) : null;
}
