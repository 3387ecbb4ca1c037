import type { Logger } from 'pino';
import {
  ActorSystem,
  dynamicSupervisor,
  supervisor,
  type ActorContext,
  type ActorRef,
  type DynamicSupervisorMsg,
} from '../actors/index.js';

export interface KernelDemoOptions {
  logger: Logger;
  /** Simulated VM actors. @default 1000 */
  vms?: number;
  /** How often the chaos actor crashes a random VM actor. @default 1000 */
  chaosEveryMs?: number;
  /** How often stats are printed. @default 2000 */
  reportEveryMs?: number;
  print?: (line: string) => void;
}

type VmMsg = { type: 'tick' } | { type: 'crash' } | { type: 'uptime' };
type ChaosMsg = { type: 'strike' };

/**
 * The kernel at work until the process is stopped: a supervision tree shaped
 * like oned's (a root supervisor over a dynamic supervisor of VM actors), a
 * chaos actor that crashes VM actors at random, and a stats line every few
 * seconds showing the supervisors putting them back.
 */
export async function runKernelDemo(options: Readonly<KernelDemoOptions>): Promise<ActorSystem> {
  const vms = options.vms ?? 1000;
  const print = options.print ?? ((line: string) => process.stdout.write(`${line}\n`));
  const system = new ActorSystem({ logger: options.logger });

  const vmActor = (vmId: number) => (ctx: ActorContext<VmMsg>) => {
    let ticks = 0;
    return {
      preStart: () => ctx.startTimer('tick', { type: 'tick' }, 500 + (vmId % 500), { repeat: true }),
      receive(msg: VmMsg): number | undefined {
        if (msg.type === 'crash') throw new Error(`chaos crashed vm ${vmId}`);
        if (msg.type === 'tick') ticks++;
        return ticks;
      },
    };
  };

  const root = system.spawn(
    supervisor({
      strategy: 'one_for_one',
      children: [
        {
          id: 'vms',
          start: dynamicSupervisor<number>({ start: vmActor, maxRestarts: 100, periodMs: 10_000 }),
        },
      ],
    }),
    { name: 'oned' },
  );
  const vmSup: ActorRef<DynamicSupervisorMsg<number>> | undefined = await root.ask({ type: 'get_child', id: 'vms' });
  if (vmSup === undefined) throw new TypeError('the VM supervisor did not start with the root');
  const refs: ActorRef<VmMsg>[] = [];
  for (let id = 0; id < vms; id++) refs.push(await vmSup.ask({ type: 'start_child', args: id, name: `vm-${id}` }));

  system.spawn<ChaosMsg>(
    (ctx) => ({
      preStart: () => ctx.startTimer('strike', { type: 'strike' }, options.chaosEveryMs ?? 1000, { repeat: true }),
      receive: () => refs[Math.floor(Math.random() * refs.length)]?.tell({ type: 'crash' }),
    }),
    { name: 'chaos' },
  );

  const report = (): void => {
    const s = system.stats();
    print(`actors=${s.actors} restarts=${s.restarts} dead_letters=${s.deadLetters} mailbox_depth=${s.mailboxDepth}`);
  };
  const timer = setInterval(report, options.reportEveryMs ?? 2000);
  system
    .whenTerminated(root)
    .finally(() => clearInterval(timer))
    .catch(() => undefined);
  print(`kernel demo: ${vms} VM actors under ${root.path}; a chaos actor crashes one every ${options.chaosEveryMs ?? 1000} ms`);
  report();
  return system;
}
