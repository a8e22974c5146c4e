/** Counts events in a sliding time window; `add` says whether the window now holds more than `limit`. */
export class EscapeCounter {
	readonly #limit: number;
	readonly #windowMs: number;
	readonly #times: number[] = [];

	constructor(limit: number, windowMs: number) {
		this.#limit = limit;
		this.#windowMs = windowMs;
	}

	add(now: number): boolean {
		this.#times.push(now);
		while (this.#times.length > 0 && this.#times[0]! <= now - this.#windowMs) this.#times.shift();
		return this.#times.length > this.#limit;
	}
}
