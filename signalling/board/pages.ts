import { boardIdOfPage } from './boardSchema.ts';

/** A stored tldraw record with the room clock at which it last changed. */
export interface StoredRecord {
	state: { id: string; typeName: string; [key: string]: unknown };
	lastChangedClock: number;
}

/** The board room cut for storage: records shared by the whole lesson, and one group per page. */
export interface BoardParts {
	shared: StoredRecord[];
	/** boardId (the page id without `page:`) → that page, its shapes and bindings. */
	pages: Map<string, StoredRecord[]>;
}

/**
 * Groups records by the page they belong to, so each page is saved (and survives) on its own.
 * Shapes may sit inside other shapes (groups, frames): a shape belongs to its top ancestor's page.
 * Bindings go with the page of the shape they start from.
 */
export function splitByPage(records: StoredRecord[]): BoardParts {
	const byId = new Map(records.map((r) => [r.state.id, r]));
	const pageOfShape = new Map<string, string | null>();
	const pageOf = (shapeId: string, depth = 0): string | null => {
		const known = pageOfShape.get(shapeId);
		if (known !== undefined) return known;
		const parentId = byId.get(shapeId)?.state.parentId;
		let page: string | null = null;
		if (typeof parentId === 'string' && depth < 64) {
			page = parentId.startsWith('page:') ? boardIdOfPage(parentId) : pageOf(parentId, depth + 1);
		}
		pageOfShape.set(shapeId, page);
		return page;
	};
	const parts: BoardParts = { shared: [], pages: new Map() };
	const add = (page: string | null, record: StoredRecord) => {
		if (page === null) {
			parts.shared.push(record);
			return;
		}
		const list = parts.pages.get(page) ?? [];
		list.push(record);
		parts.pages.set(page, list);
	};
	for (const record of records) {
		const { state } = record;
		if (state.typeName === 'page') add(boardIdOfPage(state.id), record);
		else if (state.typeName === 'shape') add(pageOf(state.id), record);
		else if (state.typeName === 'binding' && typeof state.fromId === 'string') add(pageOf(state.fromId), record);
		else add(null, record);
	}
	return parts;
}

export function joinPages(parts: BoardParts): StoredRecord[] {
	return [...parts.shared, ...[...parts.pages.values()].flat()];
}
