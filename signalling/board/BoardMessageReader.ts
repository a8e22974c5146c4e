import { BoardClientMessageSchema, MAX_BOARD_MESSAGE_BYTES, type BoardClientMessage } from '../../protocol/index.ts';

/** Records one push may touch; tldraw's own pushes are far smaller (a paste of many shapes included). */
export const MAX_PUSH_RECORDS = 5000;

/** How deeply a message's JSON may nest; tldraw's records (rich text included) stay far below this. */
export const MAX_JSON_DEPTH = 64;

/** Keys no tldraw record or message has, and that object merges downstream must never see. */
const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

export type BoardMessage = BoardClientMessage;

export type ReadResult =
	| { kind: 'partial' }
	| { kind: 'invalid'; reason: string }
	| { kind: 'message'; message: BoardMessage; text: string };

const CHUNK = /^(\d+)_/;

/**
 * One session's incoming board messages: joins tldraw's chunked messages ("<n>_…", counting down
 * to 0) up to MAX_BOARD_MESSAGE_BYTES, then checks the JSON against the protocol envelope.
 */
export class BoardMessageReader {
	#chunks: string[] = [];
	#chunkBytes = 0;
	#expect: number | null = null;

	read(frame: string | null): ReadResult {
		if (frame === null) return this.#fail('binary frames are not part of the board protocol');
		const chunk = CHUNK.exec(frame);
		let text = frame;
		if (chunk) {
			const n = Number(chunk[1]);
			if (this.#expect !== null && n !== this.#expect) return this.#fail('board message chunks out of order');
			// Each chunk carries at least a byte: more announced chunks than that could never fit.
			if (n >= MAX_BOARD_MESSAGE_BYTES) return this.#fail(`a board message of ${n + 1} chunks is larger than ${MAX_BOARD_MESSAGE_BYTES} bytes`);
			this.#chunks.push(frame.slice(chunk[0].length));
			this.#chunkBytes += frame.length;
			if (this.#chunkBytes > MAX_BOARD_MESSAGE_BYTES) return this.#fail(`board message larger than ${MAX_BOARD_MESSAGE_BYTES} bytes`);
			if (n > 0) {
				this.#expect = n - 1;
				return { kind: 'partial' };
			}
			text = this.#chunks.join('');
			this.#reset();
		} else if (this.#expect !== null) {
			return this.#fail('a board message arrived in the middle of a chunked one');
		}
		if (Buffer.byteLength(text) > MAX_BOARD_MESSAGE_BYTES) return this.#fail(`board message larger than ${MAX_BOARD_MESSAGE_BYTES} bytes`);
		if (nestingDepth(text) > MAX_JSON_DEPTH) return this.#fail(`board message nests deeper than ${MAX_JSON_DEPTH} levels`);
		let json: unknown;
		let forbidden: string | null = null;
		try {
			json = JSON.parse(text, (key, value: unknown) => {
				if (FORBIDDEN_KEYS.has(key)) forbidden ??= key;
				return value;
			});
		} catch {
			return this.#fail('board message is not JSON');
		}
		if (forbidden !== null) return this.#fail(`board message has a "${forbidden}" key`);
		const parsed = BoardClientMessageSchema.safeParse(json);
		if (!parsed.success) {
			const issue = parsed.error.issues[0];
			return this.#fail(`board message: ${issue ? `${issue.path.join('.') || 'message'}: ${issue.message}` : 'invalid'}`);
		}
		const message = parsed.data;
		if (message.type === 'push' && message.diff && Object.keys(message.diff).length > MAX_PUSH_RECORDS) {
			return this.#fail(`a board push may change at most ${MAX_PUSH_RECORDS} records`);
		}
		return { kind: 'message', message, text };
	}

	#fail(reason: string): ReadResult {
		this.#reset();
		return { kind: 'invalid', reason };
	}

	#reset(): void {
		this.#chunks = [];
		this.#chunkBytes = 0;
		this.#expect = null;
	}
}

/** The deepest nesting of arrays and objects in a JSON text (brackets inside strings not counted). */
export function nestingDepth(text: string): number {
	let depth = 0;
	let deepest = 0;
	let inString = false;
	for (let i = 0; i < text.length; i++) {
		const c = text.charCodeAt(i);
		if (inString) {
			if (c === 0x5c) i++; // backslash: skip the escaped character
			else if (c === 0x22) inString = false;
		} else if (c === 0x22) inString = true;
		else if (c === 0x5b || c === 0x7b) deepest = Math.max(deepest, ++depth);
		else if (c === 0x5d || c === 0x7d) depth--;
	}
	return deepest;
}
