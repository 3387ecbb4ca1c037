/**
 * A host's states, as OpenNebula shows them, and the transitions between
 * them as one table. The state is not stored: the host actor derives it
 * from what it knows (the operator's choice, its agent's link, monitoring,
 * the last deployment, how long it has waited) by `HOST_STATE_RULES`, the
 * first rule that holds. `HOST_TRANSITIONS` lists every way an event moves
 * a host from one state to another; test/hosts/host-states.test.ts walks
 * every combination of facts and event and keeps the table and the rules in
 * agreement. docs/host-states.md is rendered from here
 * (scripts/render-host-states.ts).
 */
import type { HostAdminState } from './host-record.js';
import type { HostState } from './host-view.js';

export interface HostStateInfo {
  /** One line for people: docs/host-states.md. */
  readonly summary: string;
}

// The record's key order is the order docs show the states in.
const STATES = {
  INIT: { summary: 'Its agent has not yet connected and sent monitoring figures; the scheduler places nothing there.' },
  MONITORED: { summary: 'Its agent is connected and its figures are known: the only state the scheduler places VMs in.' },
  ERROR: { summary: 'Its agent was connected and is lost (its VMs go UNKNOWN), its deployment failed, or none connected in time.' },
  DISABLED: { summary: 'The operator keeps the scheduler off it (`onehost disable`); its VMs run on.' },
  OFFLINE: { summary: 'The operator took it out of service (`onehost offline`); the scheduler places nothing there.' },
} as const satisfies Record<HostState, HostStateInfo>;

export const HOST_STATES: Readonly<Record<HostState, HostStateInfo>> = STATES;
export const HOST_STATE_NAMES: readonly HostState[] = Object.freeze(Object.keys(STATES) as HostState[]);

/** What the host actor knows, from which its state follows. */
export interface HostFacts {
  /** The operator's choice (`onehost enable/disable/offline`). */
  readonly admin: HostAdminState;
  /** An agent connection is attached. */
  readonly connected: boolean;
  /** The agent's link is past its handshake: asks and events flow. */
  readonly linked: boolean;
  /** Monitoring figures have arrived since this actor started. */
  readonly monitored: boolean;
  /** An agent has connected since this actor started. */
  readonly everConnected: boolean;
  /** The latest deployment of the agent over SSH failed. */
  readonly deployFailed: boolean;
  /** Longer than the initial grace period has passed since this actor started. */
  readonly overdue: boolean;
}

export interface HostStateRule {
  readonly state: HostState;
  /** When it holds, for people. */
  readonly when: string;
  readonly holds: (f: HostFacts) => boolean;
}

/** In order: a host is in the state of the first rule that holds. */
export const HOST_STATE_RULES: readonly HostStateRule[] = Object.freeze([
  { state: 'OFFLINE', when: 'the operator set it offline', holds: (f) => f.admin === 'offline' },
  { state: 'DISABLED', when: 'the operator disabled it', holds: (f) => f.admin === 'disabled' },
  { state: 'MONITORED', when: "its agent's link is up and figures have arrived", holds: (f) => f.linked && f.monitored },
  { state: 'ERROR', when: 'an agent was connected and is no longer', holds: (f) => f.everConnected && !f.connected },
  { state: 'ERROR', when: 'the latest deployment failed and no agent is connected', holds: (f) => f.deployFailed && !f.connected },
  { state: 'ERROR', when: 'no agent is connected past the initial grace period', holds: (f) => !f.connected && f.overdue },
  { state: 'INIT', when: 'otherwise: it waits for its agent and its first figures', holds: () => true },
] satisfies HostStateRule[]);

/** The state `facts` put a host in. */
export function hostState(facts: HostFacts): HostState {
  for (const rule of HOST_STATE_RULES) if (rule.holds(facts)) return rule.state;
  throw new TypeError('no host state rule holds');
}

export interface HostEventInfo {
  readonly summary: string;
  /** What it changes of the facts. */
  readonly apply: (f: HostFacts) => HostFacts;
}

const EVENTS = {
  // The accepting side resumes the link as soon as the agent's handshake passes.
  connect: {
    summary: "An agent connects with the host's token and its handshake passes.",
    apply: (f) => ({ ...f, connected: true, linked: true, everConnected: true }),
  },
  monitoring: {
    summary: 'The agent sends monitoring figures (pushed, or asked by `onehost monitor`).',
    apply: (f) => ({ ...f, monitored: true }),
  },
  lost: { summary: 'The agent disconnects, or misses its heartbeats.', apply: (f) => ({ ...f, connected: false, linked: false }) },
  deploy_started: {
    summary: 'A deployment of the agent over SSH starts (`onehost create --ssh`, `onehost sync`).',
    apply: (f) => ({ ...f, deployFailed: false }),
  },
  deploy_failed: { summary: 'That deployment fails.', apply: (f) => ({ ...f, deployFailed: true }) },
  grace_passed: {
    summary: "The initial grace period passes (oned's `initGraceMs` after the host actor started).",
    apply: (f) => ({ ...f, overdue: true }),
  },
  enable: { summary: '`onehost enable`.', apply: (f) => ({ ...f, admin: 'enabled' }) },
  disable: { summary: '`onehost disable`.', apply: (f) => ({ ...f, admin: 'disabled' }) },
  offline: { summary: '`onehost offline`.', apply: (f) => ({ ...f, admin: 'offline' }) },
} as const satisfies Record<string, HostEventInfo>;

export type HostEvent = keyof typeof EVENTS;

export const HOST_EVENTS: Readonly<Record<HostEvent, HostEventInfo>> = EVENTS;
export const HOST_EVENT_NAMES: readonly HostEvent[] = Object.freeze(Object.keys(EVENTS) as HostEvent[]);

/** The facts of a host actor that just started (oned's start, or the actor's restart): only the operator's choice is kept. */
export function startFacts(admin: HostAdminState): HostFacts {
  return { admin, connected: false, linked: false, monitored: false, everConnected: false, deployFailed: false, overdue: false };
}

/**
 * Facts a host actor can hold together: a link is over a connection, a
 * connection or figures mean an agent has connected. The rest combine freely.
 */
export function possibleFacts(f: HostFacts): boolean {
  return (!f.linked || f.connected) && (!f.connected || f.everConnected) && (!f.monitored || f.everConnected);
}

export interface HostTransition {
  readonly from: HostState;
  readonly event: HostEvent;
  readonly to: HostState;
  /** When the event takes this way, where it can take more than one. */
  readonly when?: string;
}

const KNOWN = 'its agent is connected and has sent figures';
const LINK_ERROR = 'its agent is lost, or it never connected and its deployment failed or its grace period passed';
const WAITING = 'otherwise';

/** Every way an event moves a host to another state; an event not listed for a state leaves it there. */
export const HOST_TRANSITIONS: readonly HostTransition[] = Object.freeze([
  { from: 'INIT', event: 'connect', to: 'MONITORED', when: 'figures arrived over a connection still in its handshake' },
  { from: 'INIT', event: 'monitoring', to: 'MONITORED' },
  { from: 'INIT', event: 'lost', to: 'ERROR' },
  { from: 'INIT', event: 'deploy_failed', to: 'ERROR' },
  { from: 'INIT', event: 'grace_passed', to: 'ERROR' },
  { from: 'INIT', event: 'disable', to: 'DISABLED' },
  { from: 'INIT', event: 'offline', to: 'OFFLINE' },
  { from: 'MONITORED', event: 'lost', to: 'ERROR' },
  { from: 'MONITORED', event: 'disable', to: 'DISABLED' },
  { from: 'MONITORED', event: 'offline', to: 'OFFLINE' },
  // Figures from before the loss are kept: a returning agent is MONITORED again at once.
  { from: 'ERROR', event: 'connect', to: 'MONITORED', when: 'figures arrived before it was lost' },
  { from: 'ERROR', event: 'connect', to: 'INIT', when: WAITING },
  { from: 'ERROR', event: 'deploy_started', to: 'INIT', when: 'it was in ERROR for a failed deployment only' },
  { from: 'ERROR', event: 'disable', to: 'DISABLED' },
  { from: 'ERROR', event: 'offline', to: 'OFFLINE' },
  { from: 'DISABLED', event: 'enable', to: 'MONITORED', when: KNOWN },
  { from: 'DISABLED', event: 'enable', to: 'ERROR', when: LINK_ERROR },
  { from: 'DISABLED', event: 'enable', to: 'INIT', when: WAITING },
  { from: 'DISABLED', event: 'offline', to: 'OFFLINE' },
  { from: 'OFFLINE', event: 'enable', to: 'MONITORED', when: KNOWN },
  { from: 'OFFLINE', event: 'enable', to: 'ERROR', when: LINK_ERROR },
  { from: 'OFFLINE', event: 'enable', to: 'INIT', when: WAITING },
  { from: 'OFFLINE', event: 'disable', to: 'DISABLED' },
] satisfies HostTransition[]);

/** How a host enters the table: its actor starts with the operator's choice and nothing else known. */
export const HOST_INITIAL: Readonly<Record<HostAdminState, HostState>> = Object.freeze({
  enabled: hostState(startFacts('enabled')),
  disabled: hostState(startFacts('disabled')),
  offline: hostState(startFacts('offline')),
});
