/**
 * The wire protocol's version. Both ends of a link must speak the same one:
 * a node agent that dials in with another is refused with PROTOCOL_VERSION.
 * Bump it for any change to the frames, the catalogue or the error codes
 * that an older peer could misread.
 */
export const PROTOCOL_VERSION = 1;
