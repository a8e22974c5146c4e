import type { TestApp, TestLesson } from '../../app/testing/harness.ts';

/**
 * Everything a request could change about one lesson, as one comparable text: live switches, hands,
 * chat, what is shown, who is in, polls with their answers and tallies, the catalog's lesson record
 * and its rooms' class lists. The snapshot version is left out: it counts broadcasts, not changes.
 */
export async function lessonState(t: TestApp, lesson: TestLesson): Promise<string> {
	const { store, catalog } = t.app;
	const id = lesson.lesson.id;
	const [live, hands, chat, surface, participants, polls] = await Promise.all([
		store.liveState(id),
		store.hands(id),
		store.chat(id, 500),
		store.surface(id),
		store.participants(id),
		store.polls(id)
	]);
	const answers = await Promise.all(polls.map((p) => store.pollAnswers(id, p.id)));
	const tallies = await Promise.all(polls.map((p) => store.tallies(id, p.id)));
	return JSON.stringify({
		live: { ...live, version: 0 },
		hands,
		chat,
		surface,
		participants: [...participants].sort((a, b) => a.id.localeCompare(b.id)),
		polls,
		answers,
		tallies,
		lesson: catalog.lesson(id),
		classLists: lesson.classroomIds.map((c) => catalog.students(c))
	});
}
