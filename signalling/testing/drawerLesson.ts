import { addStudent, createLesson, TestClient, type TestApp, type TestLesson } from '../../app/testing/harness.ts';

/** A lesson whose teacher shows one of two blank boards and let one student draw. */
export interface DrawerLesson {
	lesson: TestLesson;
	teacher: TestClient;
	student: { id: string; token: string };
	studentSocket: TestClient;
	/** The board on the screens, and one that is not. */
	shown: string;
	other: string;
	close(): void;
}

export async function drawerLesson(t: TestApp, studentName: string): Promise<DrawerLesson> {
	const lesson = await createLesson(t, 1);
	const teacher = new TestClient(t.url, lesson.token('teacher'));
	await teacher.joinLesson();
	const student = await addStudent(t, lesson, 0, studentName);
	const studentSocket = new TestClient(t.url, student.token);
	await studentSocket.joinLesson();
	const shown = (await teacher.ok('board.addBlank', {})).id;
	const other = (await teacher.ok('board.addBlank', {})).id;
	await teacher.ok('surface.show', { view: { kind: 'blank', boardId: shown } });
	await teacher.ok('board.setDrawer', { participantId: student.id, canDraw: true });
	return {
		lesson,
		teacher,
		student,
		studentSocket,
		shown,
		other,
		close() {
			teacher.close();
			studentSocket.close();
		}
	};
}
