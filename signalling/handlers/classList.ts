import { forbidden, invalid, notFound } from '../../core/errors.ts';
import type { LessonSession } from '../lesson/LessonSession.ts';
import type { Peer } from '../lesson/Peer.ts';
import { pending, type PendingEvent } from '../lesson/commit.ts';
import type { ClassList, ClassroomEventOf, Student } from '../../protocol/index.ts';

type ClassListChange = ClassroomEventOf<'classList.changed'>['data']['change'];
import type { Handler } from './context.ts';

/**
 * The class list of a room in this lesson, for the teacher (any room of the lesson) and assistants
 * (their own room only). Names live in the catalog, so they carry over to every lesson of the room.
 */
export function classroomOf(session: LessonSession, peer: Peer, classroomId: string | undefined): string {
	const { role } = peer.participant;
	const own = peer.participant.classroomId;
	const target = classroomId ?? (role === 'assistant' ? own : null);
	if (!target) throw invalid('name the classroom (classroomId)');
	if (role === 'assistant' && target !== own) throw forbidden("an assistant may manage only their own room's class list");
	if (!session.classroom(target)) throw notFound(`classroom ${target} is not in this lesson`);
	return target;
}

/** A class-list entry the caller may change: one of a room they may manage. */
function studentOf(session: LessonSession, peer: Peer, studentId: string): Student {
	const student = session.catalog.student(studentId);
	if (!student || student.mergedInto || student.removedAt) throw notFound(`no student ${studentId} on a class list`);
	classroomOf(session, peer, student.classroomId);
	return student;
}

/** A room's class list in this lesson, with the phones waiting for approval to join as one of its names. */
export function listOf(session: LessonSession, classroomId: string): ClassList {
	const students = session.catalog.students(classroomId).map(({ id, name, listed }) => ({ id, name, listed }));
	return { classroomId, students, claims: session.catalog.claims.pending(session.lessonId, classroomId) };
}

/** Tells the teacher and the room's assistants, and returns the list. */
export function classListUpdated(session: LessonSession, classroomId: string): ClassList {
	const list = listOf(session, classroomId);
	session.notifyAudiences([session.roleAudience('teacher'), session.roleAudience('assistant', classroomId)], 'classList.updated', list);
	return list;
}

export const getClassList: Handler<'classList.get'> = async ({ session, peer }, { classroomId }) => listOf(session, classroomOf(session, peer, classroomId));

/** Commits a class-list change of one room: its event (classroomId: the room), then the room's panels. */
function commitListChange(session: LessonSession, peer: Peer, classroomId: string, change: ClassListChange, apply: () => Promise<string[]>, also: PendingEvent[] = []): Promise<ClassList> {
	return session.commit(peer, {
		apply: async () => ({ studentIds: await apply() }),
		events: ({ studentIds }) => [...also, pending('classList.changed', { change, studentIds }, { by: { ...session.actorOf(peer), classroomId } })],
		broadcast: 'none'
	}).then(() => classListUpdated(session, classroomId));
}

export const addToClassList: Handler<'classList.add'> = async ({ session, peer }, { classroomId, names }) => {
	const target = classroomOf(session, peer, classroomId);
	return commitListChange(session, peer, target, 'added', async () => (await session.catalog.addStudents(target, names, true)).map((s) => s.id));
};

export const renameStudent: Handler<'classList.rename'> = async ({ session, peer }, { studentId, name }) => {
	const student = studentOf(session, peer, studentId);
	const list = await commitListChange(session, peer, student.classroomId, 'renamed', async () => {
		await session.catalog.renameStudent(student.id, name);
		return [student.id];
	});
	// A student in this lesson shows the new name at once.
	const present = (await session.store.participants(session.lessonId)).find((p) => p.id === student.id);
	if (present) {
		await session.store.putParticipant(session.lessonId, { ...present, displayName: name });
		const peerNow = session.peers.get(student.id);
		if (peerNow) peerNow.participant.displayName = name;
		session.changed();
	}
	return list;
};

export const acceptStudent: Handler<'classList.accept'> = async ({ session, peer }, { studentId }) => {
	const student = studentOf(session, peer, studentId);
	return commitListChange(session, peer, student.classroomId, 'accepted', async () => {
		await session.catalog.acceptStudent(student.id);
		return [student.id];
	});
};

/**
 * Folds a typed name into a listed one. Later joins with the typed entry's device token or id become
 * the listed id; events recorded so far keep the typed id, and `student.merged` links the two.
 * A phone in the lesson right now keeps its id until it joins again.
 */
export const mergeStudents: Handler<'classList.merge'> = async ({ session, peer }, { fromId, intoId }) => {
	const from = studentOf(session, peer, fromId);
	studentOf(session, peer, intoId);
	const merged = pending('student.merged', { fromId, intoId }, { by: { ...session.actorOf(peer), classroomId: from.classroomId } });
	return commitListChange(
		session,
		peer,
		from.classroomId,
		'merged',
		async () => {
			await session.catalog.mergeStudent(fromId, intoId);
			return [fromId, intoId];
		},
		[merged]
	);
};

/** Takes typed names off the list; a device token naming one of them no longer joins as it. */
export const removeFromClassList: Handler<'classList.remove'> = async ({ session, peer }, { studentIds }) => {
	const students = studentIds.map((id) => studentOf(session, peer, id));
	const rooms = new Set(students.map((s) => s.classroomId));
	if (rooms.size > 1) throw invalid('remove names of one class list at a time');
	return commitListChange(session, peer, students[0]!.classroomId, 'removed', async () => (await session.catalog.removeTypedStudents(studentIds)).map((s) => s.id));
};
