#!/usr/bin/env node
import { Command } from 'commander';
import { pino } from 'pino';
import { runKernelDemo } from '../src/demo/kernel-demo.js';

const program = new Command('kernel-demo')
  .description('Runs the actor kernel with supervised VM actors and a chaos actor until interrupted')
  .option('--vms <n>', 'number of VM actors', '1000')
  .option('--log-level <level>', 'pino log level (crashes log at error)', 'fatal')
  .parse();

const opts = program.opts<{ vms: string; logLevel: string }>();
const vms = Number(opts.vms);
if (!Number.isInteger(vms) || vms < 1) program.error(`--vms must be a positive integer, got ${opts.vms}`);

const system = await runKernelDemo({ logger: pino({ level: opts.logLevel }), vms });
const stop = (): void => {
  process.stdout.write('shutting down: children stop in reverse start order\n');
  system.shutdown().then(
    () => process.exit(0),
    () => process.exit(1),
  );
};
process.once('SIGINT', stop);
process.once('SIGTERM', stop);
