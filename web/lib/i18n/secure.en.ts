/** English UI text for the secure-origin notice on pages that need a camera or microphone; spread into en.ts. */
export const secureEn = {
	'secure.title': 'Camera and microphone are blocked on this address',
	'secure.body':
		'This page was opened over plain http ({origin}). Browsers give the camera and microphone only to secure (https) pages, so this device cannot send its picture or sound. It still receives the lesson.',
	'secure.bodyNoMedia': 'This browser gives this page no camera or microphone (no media devices). This device cannot send its picture or sound; it still receives the lesson.',
	'secure.open': 'Open the secure (https) link',
	'secure.ask': 'No https link? Ask the administrator for this server’s https:// address, or for a certificate this device trusts.'
} as const;
