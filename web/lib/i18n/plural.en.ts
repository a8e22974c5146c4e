/**
 * Singular forms, picked by `Intl.PluralRules` when `t()` gets a numeric `count`: `<key>#<category>`
 * wins over `<key>` (English: "1 classroom", "2 classrooms"). Languages without a singular (zh-CN)
 * carry the same text.
 */
export const pluralEn = {
	'lessons.classroomCount#one': '{count} classroom',
	'surface.pages#one': '{count} page',
	'surface.cleared#one': 'Cleared {count} drawing.',
	'poll.answeredCount#one': '{count} answer',
	'assist.removeAllConfirm#one': 'Remove the {count} typed name? Its phone will have to join again.',
	'library.count#one': '{count} lesson',
	'library.notes#one': '{count} note',
	'replay.gapsNote#one': 'The recording has {count} short gap (hatched on the seek bar).',
	'replay.notesNote#one': 'The recorder left {count} note about this lesson (hover to read it).',
	'replay.hands#one': '{count} hand counted in the rooms'
} as const;
