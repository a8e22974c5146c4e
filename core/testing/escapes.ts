/** Collects the process's unhandled rejections from `start()` until `stop()`, for a test to assert none escaped. */
export function unhandledRejections(): { readonly escaped: unknown[]; start(): void; stop(): void } {
	const escaped: unknown[] = [];
	const onEscape = (error: unknown) => escaped.push(error);
	return {
		escaped,
		start: () => process.on('unhandledRejection', onEscape),
		stop: () => process.off('unhandledRejection', onEscape)
	};
}
