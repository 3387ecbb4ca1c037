/**
 * The run-time side of messages.ts's flows: which message types a link
 * accepts in which frame kind, checked on every inbound cmd, evt and req.
 */
import type { Flow, Side, ToFrontend, ToNode } from './messages.js';

/** The message types of a flow by how they travel, at run time. */
export interface FlowTypes {
  readonly tell: ReadonlySet<string>;
  readonly emit: ReadonlySet<string>;
  readonly ask: ReadonlySet<string>;
}

// A record keyed by every type of the union, so the compiler catches a type left out.
type Every<M extends { readonly type: string }> = Readonly<Record<M['type'], true>>;

function flowTypes<F extends Flow>(k: { tell: Every<F['tell']>; emit: Every<F['emit']>; ask: Every<F['ask']> }): FlowTypes {
  return Object.freeze({
    tell: new Set(Object.keys(k.tell)),
    emit: new Set(Object.keys(k.emit)),
    ask: new Set(Object.keys(k.ask)),
  });
}

const TO_NODE = flowTypes<ToNode>({
  tell: {
    'vm.deploy': true,
    'vm.shutdown': true,
    'vm.reboot': true,
    'vm.suspend': true,
    'vm.resume': true,
    'vm.save': true,
    'vm.restore': true,
    'vm.prolog': true,
    'vm.epilog': true,
    'vm.migrate_in': true,
    'vm.migrate_out': true,
  },
  emit: {},
  ask: { 'host.monitor': true, 'vm.list': true, 'vm.poll': true, 'node.ping': true, 'node.stats': true },
});

const TO_FRONTEND = flowTypes<ToFrontend>({
  tell: { 'vm.state': true, 'vm.op_result': true },
  emit: { 'host.monitoring': true },
  ask: {},
});

/** The flows of side `side`: what it sends and what it accepts. */
export function flowsOf(side: Side): { readonly out: FlowTypes; readonly in: FlowTypes } {
  return side === 'frontend' ? { out: TO_NODE, in: TO_FRONTEND } : { out: TO_FRONTEND, in: TO_NODE };
}
