/** Messages between the product mode's main thread and its devices thread (devices.ts). */

export type DeviceRequest = { id: number } & (
	| { type: 'open'; key: string; url: string; token: string }
	| { type: 'join'; key: string }
	| { type: 'ok'; key: string; name: string; payload: unknown }
	| { type: 'offer'; key: string; producerId: string; timeoutMs: number }
	| { type: 'forget' }
	| { type: 'cpu' }
	| { type: 'close' }
);

export type DeviceReply = { id: number } & ({ ok: true; value: unknown } | { ok: false; message: string });

/** A request without its id, which DeviceThread assigns. */
export type DeviceCall = DeviceRequest extends infer R ? (R extends { id: number } ? Omit<R, 'id'> : never) : never;
