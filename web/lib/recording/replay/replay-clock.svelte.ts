/** Playback speeds the player offers, slowest first. */
export const SPEEDS = [0.5, 0.75, 1, 1.25, 1.5, 1.75, 2] as const;

/**
 * The replay's one clock, in media ms. With the program recording attached it is that element's
 * time (audio stays the master, so everything else follows what is heard); without one (nothing
 * was recorded but the timeline) it runs on the wall clock.
 */
export class ReplayClock {
	timeMs = $state(0);
	playing = $state(false);
	rate = $state(1);
	/** The element waits for data after a seek or a stall. */
	waiting = $state(false);
	readonly durationMs: number;

	#media: HTMLMediaElement | null = null;
	#frame = 0;
	#virtual: { wall: number; media: number } | null = null;
	#detach: (() => void) | null = null;

	constructor(durationMs: number) {
		this.durationMs = Math.max(0, durationMs);
	}

	attach(media: HTMLMediaElement | null): void {
		this.#detach?.();
		this.#detach = null;
		this.#media = media;
		if (!media) return;
		media.playbackRate = this.rate;
		if (this.timeMs > 0) media.currentTime = this.timeMs / 1000;
		const sync = () => (this.timeMs = media.currentTime * 1000);
		const onPlay = () => {
			this.playing = true;
			this.#loop();
		};
		const onPause = () => {
			this.playing = false;
			sync();
		};
		const onWaiting = () => (this.waiting = true);
		const onPlaying = () => (this.waiting = false);
		const listeners: [string, () => void][] = [
			['play', onPlay],
			['pause', onPause],
			['ended', onPause],
			['seeked', () => ((this.waiting = false), sync())],
			['timeupdate', () => !this.playing && sync()],
			['waiting', onWaiting],
			['playing', onPlaying],
			['canplay', onPlaying]
		];
		for (const [name, fn] of listeners) media.addEventListener(name, fn);
		this.#detach = () => {
			for (const [name, fn] of listeners) media.removeEventListener(name, fn);
		};
	}

	async play(): Promise<void> {
		if (this.timeMs >= this.durationMs - 50) this.seek(0);
		if (this.#media) {
			await this.#media.play().catch((err: unknown) => console.warn('[classbridge] replay did not start', err));
			return;
		}
		this.#virtual = { wall: performance.now(), media: this.timeMs };
		this.playing = true;
		this.#loop();
	}

	pause(): void {
		if (this.#media) {
			this.#media.pause();
			return;
		}
		if (this.#virtual) this.timeMs = this.#virtualTime(this.#virtual);
		this.#virtual = null;
		this.playing = false;
	}

	toggle(): void {
		if (this.playing) this.pause();
		else void this.play();
	}

	seek(ms: number): void {
		const target = Math.min(Math.max(0, ms), this.durationMs);
		this.timeMs = target;
		if (this.#media) this.#media.currentTime = target / 1000;
		else if (this.#virtual) this.#virtual = { wall: performance.now(), media: target };
	}

	skip(deltaMs: number): void {
		this.seek(this.timeMs + deltaMs);
	}

	setRate(rate: number): void {
		// The wall clock re-bases at the old speed first, so the time does not jump.
		if (this.#virtual) this.#virtual = { wall: performance.now(), media: this.#virtualTime(this.#virtual) };
		this.rate = rate;
		if (this.#media) this.#media.playbackRate = rate;
	}

	/** One step up or down the speed list. */
	stepRate(direction: 1 | -1): void {
		const i = SPEEDS.findIndex((s) => s >= this.rate);
		const next = SPEEDS[Math.min(SPEEDS.length - 1, Math.max(0, (i < 0 ? SPEEDS.length - 1 : i) + direction))];
		if (next !== undefined) this.setRate(next);
	}

	destroy(): void {
		cancelAnimationFrame(this.#frame);
		this.#detach?.();
		this.#media = null;
	}

	#virtualTime(base: { wall: number; media: number }): number {
		return Math.min(base.media + (performance.now() - base.wall) * this.rate, this.durationMs);
	}

	/** While playing, follows the element (or the wall clock) every frame for a smooth seek bar. */
	#loop(): void {
		cancelAnimationFrame(this.#frame);
		const tick = () => {
			if (!this.playing) return;
			if (this.#media) {
				this.timeMs = this.#media.currentTime * 1000;
			} else if (this.#virtual) {
				const t = this.#virtualTime(this.#virtual);
				this.timeMs = Math.min(t, this.durationMs);
				if (t >= this.durationMs) {
					this.playing = false;
					this.#virtual = null;
					return;
				}
			}
			this.#frame = requestAnimationFrame(tick);
		};
		this.#frame = requestAnimationFrame(tick);
	}
}
