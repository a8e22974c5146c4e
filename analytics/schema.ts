/**
 * The analytics store's schema as numbered migrations. `schema_version` holds the highest applied;
 * opening a store applies the rest in order, each in one transaction. Append new migrations, never
 * edit an applied one.
 */
export interface Migration {
	version: number;
	description: string;
	sql: string;
}

export const MIGRATIONS: readonly Migration[] = [
	{
		version: 1,
		description: 'events, lesson spans, dimensions, summaries, tokens, audit',
		sql: `
			-- One row per ClassroomEvent, appended in arrival order (roughly time order, so the zone maps
			-- on at_ms prune whole row groups for one lesson's window). Columns after classroom_id are
			-- lifted out of data by key, whatever the event type, so new types need no change here.
			CREATE TABLE events (
				seq BIGINT NOT NULL,
				id VARCHAR NOT NULL,
				lesson_id VARCHAR NOT NULL,
				at_ms BIGINT NOT NULL,
				type VARCHAR NOT NULL,
				actor VARCHAR NOT NULL,
				role VARCHAR NOT NULL,
				classroom_id VARCHAR,
				v INTEGER NOT NULL,
				subject VARCHAR,
				poll_id VARCHAR,
				anonymous BOOLEAN,
				correct BOOLEAN,
				flag BOOLEAN,
				duration_ms DOUBLE,
				loss DOUBLE,
				rtt_ms DOUBLE,
				score DOUBLE,
				data VARCHAR NOT NULL
			);
			-- Per lesson: first and last event, how many, and when its summaries were last computed.
			CREATE TABLE lesson_spans (
				lesson_id VARCHAR PRIMARY KEY,
				first_at BIGINT NOT NULL,
				last_at BIGINT NOT NULL,
				events BIGINT NOT NULL,
				summarized_last_at BIGINT
			);
			CREATE TABLE dim_schools (id VARCHAR PRIMARY KEY, name VARCHAR NOT NULL, locale VARCHAR NOT NULL);
			CREATE TABLE dim_classrooms (id VARCHAR PRIMARY KEY, school_id VARCHAR, name VARCHAR NOT NULL);
			CREATE TABLE dim_lessons (id VARCHAR PRIMARY KEY, title VARCHAR NOT NULL, teacher_name VARCHAR NOT NULL, classroom_ids VARCHAR[] NOT NULL, created_at BIGINT NOT NULL);
			-- resolved_id: the entry an id stands for after merges.
			CREATE TABLE dim_students (id VARCHAR PRIMARY KEY, classroom_id VARCHAR NOT NULL, name VARCHAR NOT NULL, resolved_id VARCHAR NOT NULL);
			CREATE TABLE student_lesson (
				lesson_id VARCHAR NOT NULL,
				classroom_id VARCHAR NOT NULL,
				student_id VARCHAR NOT NULL,
				started_at BIGINT NOT NULL,
				minutes_present DOUBLE NOT NULL,
				polls_answered INTEGER NOT NULL,
				polls_open INTEGER NOT NULL,
				quiz_correct INTEGER NOT NULL,
				quiz_open INTEGER NOT NULL,
				quiz_answered INTEGER NOT NULL,
				hands INTEGER NOT NULL,
				chat INTEGER NOT NULL,
				questions INTEGER NOT NULL,
				score DOUBLE NOT NULL
			);
			CREATE TABLE room_lesson (
				lesson_id VARCHAR NOT NULL,
				classroom_id VARCHAR NOT NULL,
				started_at BIGINT NOT NULL,
				students INTEGER NOT NULL,
				student_minutes DOUBLE NOT NULL,
				room_minutes DOUBLE NOT NULL,
				joins INTEGER NOT NULL,
				leaves INTEGER NOT NULL,
				hands INTEGER NOT NULL,
				chat INTEGER NOT NULL,
				questions INTEGER NOT NULL,
				talk_ms DOUBLE NOT NULL,
				answers INTEGER NOT NULL,
				answer_slots INTEGER NOT NULL,
				quiz_correct INTEGER NOT NULL,
				quiz_answered INTEGER NOT NULL,
				sampled_minutes INTEGER NOT NULL,
				degraded_minutes INTEGER NOT NULL,
				score DOUBLE
			);
			CREATE TABLE api_tokens (id VARCHAR PRIMARY KEY, name VARCHAR NOT NULL, created_at BIGINT NOT NULL, revoked_at BIGINT, last_used_at BIGINT);
			CREATE TABLE audit (at_ms BIGINT NOT NULL, action VARCHAR NOT NULL, detail VARCHAR NOT NULL);
		`
	},
	{
		version: 2,
		description: 'replayed sessions: the recorded lesson a lesson replays in class',
		sql: `ALTER TABLE dim_lessons ADD COLUMN replay_of VARCHAR;`
	}
];
