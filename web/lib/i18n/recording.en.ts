/** English UI text for the recording pages; spread into en.ts. */
export const recordingEn = {
	'nav.recording': 'Library'
} as const;
