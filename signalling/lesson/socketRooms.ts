/** Every socket of a lesson, joined or not: ending the lesson disconnects them all. */
export function lessonSocketsRoom(lessonId: string): string {
	return `sockets:${lessonId}`;
}
