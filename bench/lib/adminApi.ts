/** The admin HTTP API as a benchmark uses it to set up schools, classrooms and a lesson. */
export function adminApi(url: string, adminToken: string) {
	return async (method: string, route: string, body?: unknown) => {
		const res = await fetch(`${url}${route}`, {
			method,
			headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' },
			body: body === undefined ? undefined : JSON.stringify(body)
		});
		if (!res.ok) throw new Error(`${method} ${route}: ${res.status} ${await res.text()}`);
		return res.json();
	};
}
