/** English UI text for who a student is: claims on held names, removing typed names; spread into en.ts. */
export const identityEn = {
	// The phone, waiting for approval
	'claim.title': 'Ask your assistant to confirm it is you',
	'claim.body': 'Another phone has already joined as {name}. Your assistant in {room} sees your request now and confirms it.',
	'claim.waiting': 'Waiting for your assistant…',
	'claim.expiresIn': 'This request ends in {time}.',
	'claim.cancel': 'Cancel',
	'claim.denied': 'Your assistant did not confirm you as {name}. Pick your own name, or type it if it is not on the list.',
	'claim.expired': 'Nobody confirmed in time. Try again, or ask your assistant.',
	'claim.offline': 'No connection — still waiting, trying again…',
	'join.error.typed_names_full': 'This room cannot take more typed names in this lesson. Ask your assistant to add your name to the class list, then pick it.',
	'join.error.too_many_claims': 'Too many phones are waiting for approval in this room. Ask your assistant.',

	// The assistant's and teacher's approval cards
	'claims.title': 'Waiting to join',
	'claims.count': '{count} waiting',
	'claims.card': 'A phone wants to join as {name}',
	'claims.hint': 'Another phone joined as this name before. Approve only if this is really that student, e.g. on a new phone.',
	'claims.room': 'Room: {room}',
	'claims.askedAt': 'Asked at {time}',
	'claims.approve': 'Approve',
	'claims.deny': 'Deny',

	// Removing typed names from the class list
	'assist.remove': 'Remove',
	'assist.removeName': 'Remove {name}',
	'assist.removeAllTyped': 'Remove all typed names ({count})',
	'assist.removeAllConfirm': 'Remove all {count} typed names? Their phones will have to join again.',
	'assist.removeConfirm': 'Yes, remove',
	'assist.keep': 'Keep'
} as const;
