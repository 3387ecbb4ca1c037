import { arch, endianness } from 'node:os';

/**
 * The host architecture as OpenNebula names it (the kernel's `uname -m`),
 * from Node's `os.arch()` names. Unknown names pass through.
 */
export function openNebulaArch(nodeArch: string = arch(), byteOrder: 'BE' | 'LE' = endianness()): string {
  switch (nodeArch) {
    case 'x64':
      return 'x86_64';
    case 'arm64':
      return 'aarch64';
    case 'ia32':
      return 'i686';
    case 'arm':
      return 'armv7l';
    case 'ppc64':
      return byteOrder === 'LE' ? 'ppc64le' : 'ppc64';
    default:
      return nodeArch;
  }
}
