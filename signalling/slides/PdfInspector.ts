import { Worker } from 'node:worker_threads';
import { moduleLogger } from '../../core/logger.ts';
import { MAX_DECK_PAGES, type PageSize } from '../../protocol/index.ts';
import { DeckRejectedError } from './errors.ts';
import type { InspectJob, InspectMessage } from './pdfInspect.worker.ts';

const log = moduleLogger('slides');

export interface PdfInspection {
	pageCount: number;
	pages: PageSize[];
	scriptsIgnored: boolean;
}

export interface PdfInspectorOptions {
	/** Time allowed to parse and render one PDF, counted from when the worker has loaded pdfjs. */
	parseTimeoutMs: number;
	/** Time allowed for the worker to load pdfjs; past it the server, not the PDF, is at fault. */
	startupTimeoutMs?: number;
	maxPages?: number;
	thumbWidth?: number;
	/** PDFs parsed at once; more wait their turn (each worker may use a lot of memory). */
	concurrency?: number;
	/** V8 heap of one worker, in MiB. */
	maxHeapMb?: number;
}

/**
 * Reads an uploaded PDF in a worker thread with pdfjs: page sizes, scripts, one PNG thumbnail per
 * page. A worker that runs past the time limit is terminated, so no PDF can hold the server.
 */
export class PdfInspector {
	readonly #options: Required<PdfInspectorOptions>;
	#running = 0;
	readonly #queue: (() => void)[] = [];

	constructor(options: PdfInspectorOptions) {
		this.#options = {
			startupTimeoutMs: 20_000,
			maxPages: MAX_DECK_PAGES,
			thumbWidth: 240,
			concurrency: 2,
			maxHeapMb: 1024,
			...options
		};
	}

	/** Writes thumbnails to `thumbsDir` as 1.png, 2.png, … Throws DeckRejectedError for a refused PDF. */
	async inspect(pdfPath: string, thumbsDir: string): Promise<PdfInspection> {
		await this.#acquire();
		try {
			return await this.#run({ pdfPath, thumbsDir, maxPages: this.#options.maxPages, thumbWidth: this.#options.thumbWidth });
		} finally {
			this.#release();
		}
	}

	#run(job: InspectJob): Promise<PdfInspection> {
		const { parseTimeoutMs, startupTimeoutMs, maxHeapMb } = this.#options;
		return new Promise((resolve, reject) => {
			const worker = new Worker(new URL('./pdfInspect.worker.ts', import.meta.url), {
				workerData: job,
				resourceLimits: { maxOldGenerationSizeMb: maxHeapMb }
			});
			let started = false;
			let settled = false;
			const finish = (outcome: PdfInspection | Error) => {
				if (settled) return;
				settled = true;
				clearTimeout(timer);
				// Wait for the thread to be gone, so nothing writes into thumbsDir after we return.
				worker.terminate().then(
					() => (outcome instanceof Error ? reject(outcome) : resolve(outcome)),
					() => (outcome instanceof Error ? reject(outcome) : resolve(outcome))
				);
			};
			let timer = setTimeout(() => finish(new Error(`the PDF reader did not start within ${startupTimeoutMs} ms`)), startupTimeoutMs);
			worker.on('message', (message: InspectMessage) => {
				if (message.type === 'started') {
					started = true;
					clearTimeout(timer);
					timer = setTimeout(() => finish(timedOut(parseTimeoutMs)), parseTimeoutMs);
				} else if (message.type === 'done') {
					finish({ pageCount: message.pageCount, pages: message.pages, scriptsIgnored: message.scriptsIgnored });
				} else {
					finish(new DeckRejectedError(message.reason, message.message));
				}
			});
			worker.on('error', (error: Error & { code?: string }) => {
				log.warn({ err: error.message, code: error.code, started }, 'pdf worker failed');
				if (!started) return finish(new Error(`the PDF reader could not start: ${error.message}`));
				if (error.code === 'ERR_WORKER_OUT_OF_MEMORY') {
					return finish(new DeckRejectedError('corrupt', 'this PDF needs too much memory to read; try exporting it again with smaller images'));
				}
				finish(new DeckRejectedError('corrupt', 'this PDF is damaged and could not be read'));
			});
			worker.on('exit', (code) => {
				if (!started) return finish(new Error(`the PDF reader exited (code ${code}) before starting`));
				finish(new DeckRejectedError('corrupt', 'this PDF is damaged and could not be read'));
			});
		});
	}

	async #acquire(): Promise<void> {
		if (this.#running < this.#options.concurrency) {
			this.#running++;
			return;
		}
		// The releasing caller hands its slot over, so #running stays as it is.
		await new Promise<void>((resolve) => this.#queue.push(resolve));
	}

	#release(): void {
		const next = this.#queue.shift();
		if (next) next();
		else this.#running--;
	}
}

function timedOut(ms: number): DeckRejectedError {
	const limit = ms >= 1000 ? `${Math.round(ms / 1000)} s` : `${ms} ms`;
	return new DeckRejectedError('parse_timeout', `reading this PDF took longer than ${limit}; try a smaller file or export it again`);
}
