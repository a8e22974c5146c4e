import { describe, expect, it } from 'vitest';
import type { PublishedTrack } from '../../protocol/index.ts';
import { wantedTracks } from './subscriptions.ts';

const track = (producerId: string, role: PublishedTrack['role'], classroomId: string | null, source: PublishedTrack['source']): PublishedTrack => ({
	producerId,
	participantId: `${role}-${classroomId ?? 'x'}`,
	classroomId,
	role,
	source,
	kind: source === 'mic' ? 'audio' : 'video',
	paused: false
});

const tracks = [
	track('t-mic', 'teacher', null, 'mic'),
	track('t-cam', 'teacher', null, 'camera'),
	track('t-scr', 'teacher', null, 'screen'),
	track('a-mic', 'classroom', 'A', 'mic'),
	track('a-cam', 'classroom', 'A', 'camera'),
	track('b-mic', 'classroom', 'B', 'mic'),
	track('b-cam', 'classroom', 'B', 'camera')
];
const none = { stageClassroomId: null, audioOnlyClassroomIds: [] };

describe('media policy', () => {
	it('classroom A gets the teacher (camera top layer), not B', () => {
		const w = wantedTracks({ participantId: 'classroom-A', role: 'classroom', classroomId: 'A' }, tracks, none);
		expect([...w.entries()]).toEqual([
			['t-mic', undefined],
			['t-cam', 2],
			['t-scr', undefined]
		]);
	});

	it('with B on stage, A also gets B high; B does not get itself', () => {
		const live = { stageClassroomId: 'B', audioOnlyClassroomIds: [] };
		const a = wantedTracks({ participantId: 'classroom-A', role: 'classroom', classroomId: 'A' }, tracks, live);
		expect(a.get('b-mic')).toBeUndefined();
		expect(a.has('b-mic')).toBe(true);
		expect(a.get('b-cam')).toBe(1);
		const b = wantedTracks({ participantId: 'classroom-B', role: 'classroom', classroomId: 'B' }, tracks, live);
		expect(b.has('b-cam')).toBe(false);
	});

	it('the teacher gets every classroom low, the stage one high, never itself', () => {
		const w = wantedTracks({ participantId: 'teacher-x', role: 'teacher', classroomId: null }, tracks, { stageClassroomId: 'A', audioOnlyClassroomIds: [] });
		expect(Object.fromEntries(w)).toEqual({ 'a-mic': undefined, 'a-cam': 1, 'b-mic': undefined, 'b-cam': 0 });
	});

	it('an observer sees the whole lesson: the teacher, every room (low, the stage high), the stage room heard', () => {
		const w = wantedTracks({ participantId: 'obs-1', role: 'observer', classroomId: null }, tracks, { stageClassroomId: 'A', audioOnlyClassroomIds: [] });
		expect(Object.fromEntries(w)).toEqual({ 't-mic': undefined, 't-cam': 2, 't-scr': undefined, 'a-mic': undefined, 'a-cam': 1, 'b-cam': 0 });
		const nobody = wantedTracks({ participantId: 'obs-1', role: 'observer', classroomId: null }, tracks, none);
		expect([...nobody.keys()].sort()).toEqual(['a-cam', 'b-cam', 't-cam', 't-mic', 't-scr']);
	});

	it('audio-only rooms get audio only; assistants and students get nothing', () => {
		const w = wantedTracks({ participantId: 'classroom-A', role: 'classroom', classroomId: 'A' }, tracks, { stageClassroomId: 'B', audioOnlyClassroomIds: ['A'] });
		expect([...w.keys()].sort()).toEqual(['b-mic', 't-mic']);
		expect(wantedTracks({ participantId: 's', role: 'student', classroomId: 'A' }, tracks, none).size).toBe(0);
		expect(wantedTracks({ participantId: 'as', role: 'assistant', classroomId: 'A' }, tracks, none).size).toBe(0);
	});

	it('a room on a weak link gets audio only, and nobody else is touched', () => {
		const live = { stageClassroomId: 'B', audioOnlyClassroomIds: [], weakLinkClassroomIds: ['A'] };
		const a = wantedTracks({ participantId: 'classroom-A', role: 'classroom', classroomId: 'A' }, tracks, live);
		expect([...a.keys()].sort()).toEqual(['b-mic', 't-mic']);
		const b = wantedTracks({ participantId: 'classroom-B', role: 'classroom', classroomId: 'B' }, tracks, live);
		expect([...b.keys()].sort()).toEqual(['t-cam', 't-mic', 't-scr']);
		// The teacher still sees the weak room (its uplink is its own business).
		const teacher = wantedTracks({ participantId: 'teacher-x', role: 'teacher', classroomId: null }, tracks, live);
		expect(teacher.has('a-cam')).toBe(true);
	});
});
