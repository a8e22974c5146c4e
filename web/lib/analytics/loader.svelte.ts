/** One async value a page shows: loading, its data, or the error; a newer run wins over an older one. */
export class Loader<T> {
	data = $state<T | null>(null);
	loading = $state(false);
	error = $state<unknown>(null);
	#run = 0;

	async load(fetcher: () => Promise<T>, onError?: (err: unknown) => void): Promise<void> {
		const run = ++this.#run;
		this.loading = true;
		this.error = null;
		try {
			const value = await fetcher();
			if (run === this.#run) this.data = value;
		} catch (err) {
			if (run === this.#run) {
				this.error = err;
				onError?.(err);
			}
		} finally {
			if (run === this.#run) this.loading = false;
		}
	}
}
