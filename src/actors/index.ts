export { ActorSystem, type ActorSystemOptions, type ActorStats, type SystemStats, type SystemStatus } from './actor-system.js';
export type { ActorStatus } from './actor-cell.js';
export { FakeClock, systemClock, settle, type Clock, type TimerHandle } from '../base/clock.js';
export { DEFAULT_BACKOFF, backoffDelay, type BackoffOptions } from '../base/backoff.js';
export type { DeadLetter } from './dead-letters.js';
export { supervisor, type SupervisorMsg, type SupervisorOptions } from './supervisor.js';
export { dynamicSupervisor, type DynamicSupervisorMsg, type DynamicSupervisorOptions } from './dynamic-supervisor.js';
export type { ChildInfo, ChildSpec, RestartType, Strategy, SupervisionOptions } from './supervision.js';
export {
  Detached,
  NORMAL,
  SHUTDOWN,
  type Actor,
  type ActorContext,
  type ActorFactory,
  type ActorRef,
  type AnyRef,
  type AskOptions,
  type ExitReason,
  type SpawnOptions,
  type TellRef,
  type Terminated,
} from './types.js';
export type { Askable, Exact, Reply, ReplyTo, WithReplies } from './replies.js';
export { NamedChildren, type NamedChild, type NamedChildrenOptions } from './named-children.js';
