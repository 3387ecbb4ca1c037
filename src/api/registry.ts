import type { Session } from '../auth/session.js';
import type { ApiMethod, ParamsOf, ResultOf } from './api-types.js';

/**
 * The API as handlers, one per method, that know no transport: each takes
 * validated parameters and the caller's current session. Every door (socket.io
 * today) reaches them through the same dispatch core (dispatch.ts).
 */
export type ApiHandlers = {
  [K in ApiMethod]: (params: ParamsOf<K>, session: Session) => Promise<ResultOf<K>> | ResultOf<K>;
};
