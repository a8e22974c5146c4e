import { DECKS_API, DeckRejectionSchema, type DeckInfo, type DeckRejection } from '$protocol';

/** Why an upload failed, as the teacher is told. */
export type UploadFailure = DeckRejection | 'forbidden' | 'unauthorized' | 'network' | 'server';

export class UploadError extends Error {
	constructor(
		readonly code: UploadFailure,
		message: string
	) {
		super(message);
	}
}

export interface Upload {
	done: Promise<DeckInfo>;
	abort(): void;
}

/**
 * POST the file as the request body. XMLHttpRequest rather than fetch because only it reports
 * upload progress, which matters on a slow school uplink.
 */
export function uploadDeck(token: string, file: File, onProgress: (fraction: number) => void): Upload {
	const xhr = new XMLHttpRequest();
	const done = new Promise<DeckInfo>((resolve, reject) => {
		xhr.open('POST', `${DECKS_API}?name=${encodeURIComponent(file.name)}`);
		xhr.setRequestHeader('Authorization', `Bearer ${token}`);
		xhr.setRequestHeader('Content-Type', 'application/pdf');
		xhr.responseType = 'text';
		xhr.upload.onprogress = (e) => {
			if (e.lengthComputable && e.total > 0) onProgress(e.loaded / e.total);
		};
		xhr.onload = () => {
			const body = parseJson(xhr.responseText);
			if (xhr.status === 201 || xhr.status === 200) {
				if (isDeckInfo(body)) resolve(body);
				else reject(new UploadError('server', 'unexpected answer'));
				return;
			}
			reject(errorFrom(xhr.status, body));
		};
		xhr.onerror = () => reject(new UploadError('network', 'network error'));
		xhr.onabort = () => reject(new UploadError('network', 'aborted'));
		xhr.send(file);
	});
	return { done, abort: () => xhr.abort() };
}

export function deckFileUrl(deckId: string): string {
	return `${DECKS_API}/${encodeURIComponent(deckId)}/file`;
}

/** `<img>` cannot send headers, so thumbnails carry the token in the query. */
export function thumbUrl(deckId: string, page: number, token: string): string {
	return `${DECKS_API}/${encodeURIComponent(deckId)}/thumbs/${page}?t=${encodeURIComponent(token)}`;
}

function errorFrom(status: number, body: unknown): UploadError {
	const error = (body as { error?: { code?: unknown; message?: unknown } } | null)?.error;
	const message = typeof error?.message === 'string' ? error.message : `HTTP ${status}`;
	const rejection = DeckRejectionSchema.safeParse(error?.code);
	if (rejection.success) return new UploadError(rejection.data, message);
	if (error?.code === 'forbidden' || status === 403) return new UploadError('forbidden', message);
	if (error?.code === 'unauthorized' || status === 401) return new UploadError('unauthorized', message);
	// A proxy in front of the server may cut a big body off before our handler answers.
	if (status === 413) return new UploadError('too_large', message);
	if (status === 415) return new UploadError('not_pdf', message);
	return new UploadError('server', message);
}

function parseJson(text: string): unknown {
	try {
		return JSON.parse(text);
	} catch {
		return null;
	}
}

function isDeckInfo(body: unknown): body is DeckInfo {
	const b = body as Partial<DeckInfo> | null;
	return !!b && typeof b.id === 'string' && typeof b.pageCount === 'number' && Array.isArray(b.pages);
}
