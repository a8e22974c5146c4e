import { appendFile } from 'node:fs/promises';
import { moduleLogger } from '../core/logger.ts';

const log = moduleLogger('recorder:jsonl');

/** How long lines wait to be written together. */
const BATCH_MS = 100;

/**
 * Appends one JSON value per line to a file (timeline.jsonl, boards.jsonl). Lines are batched into
 * one append every BATCH_MS; each append lands in the file as it is written (no fsync), so a crash
 * of the server keeps every batch written before it, and a line cut short is skipped by the reader.
 */
export class JsonLinesWriter {
	readonly file: string;
	#pending: string[] = [];
	#timer: NodeJS.Timeout | null = null;
	#writing: Promise<void> = Promise.resolve();

	constructor(file: string) {
		this.file = file;
	}

	append(value: unknown): void {
		this.#pending.push(`${JSON.stringify(value)}\n`);
		this.#timer ??= setTimeout(() => void this.flush(), BATCH_MS);
	}

	/** Writes what is pending; resolves once everything appended so far is in the file. */
	flush(): Promise<void> {
		if (this.#timer) clearTimeout(this.#timer);
		this.#timer = null;
		if (this.#pending.length > 0) {
			const text = this.#pending.join('');
			this.#pending = [];
			this.#writing = this.#writing.then(() => appendFile(this.file, text)).catch((error: Error) => {
				log.error({ file: this.file, err: error.message }, 'append failed');
			});
		}
		return this.#writing;
	}
}
