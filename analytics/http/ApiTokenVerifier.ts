/** Checks the signature of a data API token; a missing or refused token is an AppError `unauthorized`. */
export interface ApiTokenVerifier {
	/** The id of the signed token, to check against the live tokens. */
	verifyApi(token: string | undefined): Promise<{ tokenId: string }>;
}
