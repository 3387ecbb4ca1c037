/** Who is calling: set once the connection has authenticated, checked again before every call. */
export interface Session {
  readonly user: string;
  readonly uid: number;
  /** The user's group. */
  readonly gid: number;
  /** A member of group oneadmin: sees and may do everything, as in OpenNebula. */
  readonly admin: boolean;
}

/** What a successful authentication yields. */
export interface Authenticated {
  readonly session: Session;
  /** With a login token: when it expires (wall-clock ms); undefined with a password. */
  readonly expires: number | undefined;
  /**
   * What the login proved, checked again before every call: the password's
   * salt (a new password has a new one) or the token's hash (revoked tokens
   * are gone from the record). Never leaves oned.
   */
  readonly credential: Uint8Array;
}
