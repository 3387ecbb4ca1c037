import { createHash } from 'node:crypto';

// Both ends of the link name a bundle's build: the agent reports it after its version in
// its capabilities (`0.1.0+<build>`), oned compares it with the bundle it would upload
// (`onehost sync`). One definition here, below both, keeps the two in step.

/** A bundle's build: a hash of the file, the `+<build>` an agent run from it reports. */
export function bundleBuild(code: Uint8Array): string {
  return createHash('sha256').update(code).digest('hex').slice(0, 12);
}

/** The build an agent reports, from its version (`0.1.0+<build>`); undefined for an agent not run from a bundle. */
export function reportedBuild(version: string | undefined): string | undefined {
  const plus = version?.indexOf('+') ?? -1;
  return plus < 0 ? undefined : version?.slice(plus + 1);
}
