import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { appendFile, mkdir, rm, stat, truncate } from 'node:fs/promises';
import path from 'node:path';
import { PACKAGES_API, PackageListSchema, type PackageListEntry, type SyncStatus } from '../../protocol/index.ts';
import { moduleLogger } from '../../core/logger.ts';
import type { LessonPackages } from './LessonPackages.ts';
import { inWindow, nextWindowStart, type SyncWindow } from './syncWindow.ts';

const log = moduleLogger('recorder:sync');

export interface SyncOptions {
	from: string;
	token: string;
	/** Cap on what sync pulls, kbit/s; null: no cap. */
	maxKbps: number | null;
	window: SyncWindow | null;
	intervalMs: number;
	dataDir: string;
}

export interface SyncLibrary {
	has(lessonId: string): Promise<boolean>;
	/** Ready lessons held here, reported to the district. */
	held(): string[];
}

/** How long one chunk takes at the cap: short, so the cap holds over seconds, not only on average. */
const CHUNK_SECONDS = 0.25;
const MIN_CHUNK = 16 * 1024;
const UNCAPPED_CHUNK = 4 * 1024 * 1024;
const REQUEST_TIMEOUT_MS = 30_000;

/**
 * A school server following a district library (SYNC_FROM, SYNC_TOKEN): in the window (SYNC_HOURS)
 * it lists the district's packages, pulls each one it lacks in byte ranges paced under
 * SYNC_MAX_KBPS, keeps what arrived across cuts and restarts (`package-sync/<id>.zip.part`, resumed
 * with a Range request from its size), verifies the whole package (signature, checksums) before it
 * enters the library, and tells the district what it holds.
 */
export class SyncClient {
	readonly #options: SyncOptions;
	readonly #packages: LessonPackages;
	readonly #library: SyncLibrary;
	readonly #dir: string;
	#timer: NodeJS.Timeout | null = null;
	#running: Promise<void> | null = null;
	#stopped = false;
	#paceNext = 0;
	/** Response body bytes received (overhead figures). */
	bytesReceived = 0;
	readonly #status: SyncStatus;

	constructor(options: SyncOptions, packages: LessonPackages, library: SyncLibrary) {
		this.#options = options;
		this.#packages = packages;
		this.#library = library;
		this.#dir = path.join(options.dataDir, 'package-sync');
		this.#status = {
			enabled: true,
			from: options.from,
			state: 'idle',
			current: null,
			nextWindowAt: null,
			hours: options.window ? formatWindow(options.window) : null,
			maxKbps: options.maxKbps,
			done: 0,
			pending: 0,
			lastError: null,
			lastSyncAt: null
		};
	}

	status(): SyncStatus {
		const now = new Date();
		return { ...this.#status, current: this.#status.current && { ...this.#status.current }, nextWindowAt: nextWindowStart(this.#options.window, now) };
	}

	start(): void {
		const tick = () => {
			if (this.#stopped) return;
			this.#running = this.runOnce()
				.catch((error: Error) => {
					this.#status.state = 'error';
					this.#status.lastError = error.message;
					log.warn({ err: error.message }, 'sync round failed');
				})
				.finally(() => {
					this.#running = null;
					if (!this.#stopped) this.#timer = setTimeout(tick, this.#options.intervalMs);
				});
		};
		tick();
	}

	async stop(): Promise<void> {
		this.#stopped = true;
		if (this.#timer) clearTimeout(this.#timer);
		await this.#running?.catch(() => undefined);
	}

	/** One round: list, pull what is missing (while the window lasts), report holdings. */
	async runOnce(): Promise<void> {
		if (!inWindow(this.#options.window, new Date())) {
			this.#status.state = 'waiting_window';
			return;
		}
		const list = await this.#list();
		const missing: PackageListEntry[] = [];
		for (const entry of list) if (!(await this.#library.has(entry.lessonId))) missing.push(entry);
		this.#status.pending = missing.length;
		for (const entry of missing) {
			if (this.#stopped) return;
			if (!inWindow(this.#options.window, new Date())) {
				this.#status.state = 'waiting_window';
				this.#status.current = null;
				return;
			}
			await this.#pull(entry);
			this.#status.pending--;
		}
		this.#status.current = null;
		this.#status.state = 'idle';
		this.#status.lastError = null;
		this.#status.lastSyncAt = Date.now();
		await this.#report();
	}

	async #pull(entry: PackageListEntry): Promise<void> {
		await mkdir(this.#dir, { recursive: true });
		const part = path.join(this.#dir, `${entry.lessonId}.zip.part`);
		let have = await stat(part).then((s) => s.size, () => 0);
		if (have > entry.bytes) {
			await truncate(part, 0);
			have = 0;
		}
		this.#status.state = 'downloading';
		this.#status.current = { lessonId: entry.lessonId, title: entry.title, bytes: entry.bytes, received: have };
		while (have < entry.bytes) {
			if (this.#stopped || !inWindow(this.#options.window, new Date())) return;
			const chunk = Math.min(this.#chunkBytes(), entry.bytes - have);
			await this.#pace(chunk);
			const body = await this.#get(`${PACKAGES_API}/${entry.lessonId}.zip`, { range: `bytes=${have}-${have + chunk - 1}` });
			if (body.status !== 206) throw new Error(`${entry.lessonId}: the district answered ${body.status} to a range request`);
			// What came before a cut is kept: the next request asks from there.
			await appendFile(part, body.data);
			have += body.data.length;
			this.#status.current.received = have;
			if (!body.complete || body.data.length === 0) throw new Error('the connection to the district was cut');
		}
		this.#status.state = 'verifying';
		try {
			const stored = await this.#packages.import(part, 'synced', 'skip');
			this.#status.done++;
			log.info({ lessonId: entry.lessonId, stored: !!stored }, 'package synced and verified');
		} catch (error) {
			this.#status.lastError = `${entry.title}: ${(error as Error).message}`;
			log.warn({ lessonId: entry.lessonId, err: (error as Error).message }, 'synced package refused; it will be pulled again');
		} finally {
			await rm(part, { force: true });
		}
	}

	#chunkBytes(): number {
		const { maxKbps } = this.#options;
		if (!maxKbps) return UNCAPPED_CHUNK;
		return Math.max(MIN_CHUNK, Math.round(((maxKbps * 1000) / 8) * CHUNK_SECONDS));
	}

	/** Token pacing: a chunk of n bytes may start once the bytes before it have had their time at the cap. */
	async #pace(bytes: number): Promise<void> {
		const { maxKbps } = this.#options;
		if (!maxKbps) return;
		const now = Date.now();
		this.#paceNext = Math.max(this.#paceNext, now);
		const wait = this.#paceNext - now;
		this.#paceNext += (bytes * 8 * 1000) / (maxKbps * 1000);
		if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
	}

	async #list(): Promise<PackageListEntry[]> {
		const body = await this.#get(PACKAGES_API, {});
		if (body.status !== 200) throw new Error(`the district answered ${body.status} to the package list`);
		const parsed = PackageListSchema.safeParse(JSON.parse(body.data.toString('utf8')));
		if (!parsed.success) throw new Error('the district package list is malformed');
		return parsed.data.packages;
	}

	async #report(): Promise<void> {
		const body = Buffer.from(JSON.stringify({ lessonIds: this.#library.held() }));
		const answer = await this.#get(`${PACKAGES_API}/holdings`, { 'content-type': 'application/json' }, 'POST', body);
		if (answer.status !== 204) log.warn({ status: answer.status }, 'holdings report refused');
	}

	#get(pathname: string, headers: Record<string, string>, method = 'GET', body?: Buffer): Promise<{ status: number; data: Buffer; complete: boolean }> {
		const url = new URL(pathname, this.#options.from);
		const request = url.protocol === 'https:' ? httpsRequest : httpRequest;
		return new Promise((resolve, reject) => {
			const req = request(url, { method, headers: { ...headers, authorization: `Bearer ${this.#options.token}` }, timeout: REQUEST_TIMEOUT_MS }, (res: IncomingMessage) => {
				const chunks: Buffer[] = [];
				res.on('data', (chunk: Buffer) => {
					chunks.push(chunk);
					this.bytesReceived += chunk.length;
				});
				res.on('error', () => undefined);
				res.on('close', () => {
					const result = { status: res.statusCode ?? 0, data: Buffer.concat(chunks), complete: res.complete };
					if (result.complete || result.status === 206) resolve(result);
					else reject(new Error('the connection to the district was cut'));
				});
			});
			req.on('timeout', () => req.destroy(new Error('the district did not answer in time')));
			req.on('error', reject);
			req.end(body);
		});
	}
}

function formatWindow(w: SyncWindow): string {
	const f = (m: number) => `${String(Math.floor(m / 60)).padStart(2, '0')}:${String(m % 60).padStart(2, '0')}`;
	return `${f(w.startMin)}-${f(w.endMin)}`;
}
