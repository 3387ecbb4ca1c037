/**
 * Templates as OpenNebula users write them, byte for byte (String.raw keeps
 * every backslash as it would be on disk), and a seeded PRNG for the fuzz
 * and round-trip tests.
 */

/** Sunstone / `onetemplate show` style: everything quoted, CONTEXT full of variables. */
export const sunstoneKvm = String.raw`CONTEXT = [
  NETWORK = "YES",
  SSH_PUBLIC_KEY = "$USER[SSH_PUBLIC_KEY]",
  ETH0_IP = "$NIC[IP, NETWORK=\"Private LAN\"]",
  ETH0_GATEWAY = "$NETWORK[GATEWAY, NETWORK=\"Private LAN\"]",
  HOSTNAME = "$NAME-$VMID",
  FILES_DS = "$FILE[IMAGE_ID=12] $FILE[IMAGE=\"init.sh\", IMAGE_UNAME=\"oneadmin\"]",
  START_SCRIPT = "#!/bin/sh
printf 'a\tb\n' > /tmp/tab
echo \"booted # not a comment\" > /var/log/first-boot
",
  USERNAME = "root" ]
CPU = "0.5"
VCPU = "2"
MEMORY = "1024"
DISK = [
  IMAGE = "Ubuntu 22.04",
  IMAGE_UNAME = "oneadmin",
  DEV_PREFIX = "vd",
  SIZE = "20480" ]
DISK = [
  TYPE = "swap",
  SIZE = "1024" ]
DISK = [
  TYPE = "fs",
  SIZE = "4096",
  FORMAT = "qcow2" ]
NIC = [
  NETWORK = "Private LAN",
  NETWORK_UNAME = "oneadmin",
  MODEL = "virtio",
  SECURITY_GROUPS = "0" ]
NIC = [
  NETWORK_ID = "3",
  IP = "192.168.150.10",
  MAC = "02:00:C0:A8:96:0A" ]
GRAPHICS = [
  TYPE = "vnc",
  LISTEN = "0.0.0.0",
  KEYMAP = "en-us",
  RANDOM_PASSWD = "YES" ]
OS = [
  ARCH = "x86_64",
  BOOT = "disk0",
  MACHINE = "q35",
  FIRMWARE = "" ]
RAW = [
  TYPE = "kvm",
  DATA = "<cpu mode='host-passthrough'/>" ]
SCHED_REQUIREMENTS = "HYPERVISOR=\"kvm\" & FREE_CPU > 50"
SCHED_RANK = "FREE_CPU"
SCHED_DS_REQUIREMENTS = "NAME=\"ssd\""
FEATURES = [
  ACPI = "yes",
  GUEST_AGENT = "yes" ]
INPUTS_ORDER = ""
LOGO = "images/logos/ubuntu.png"
MEMORY_UNIT_COST = "MB"
USER_INPUTS = [
  ROOT_PASSWORD = "M|password|Root password" ]
HYPERVISOR = "kvm"
`;

/** The hand-written style of OpenNebula's own documentation: unquoted, aligned, comments. */
export const handWritten = String.raw`#### Capacity ####

NAME   = test-vm
MEMORY = 128 
CPU    = 1

#### Disks ####

# OS image, mapped to sda.
DISK = [ IMAGE_ID  = 2 ]

# swap, sdd
DISK = [ TYPE     = swap,
         SIZE     = 1024 ]

#### Network interfaces ####

NIC = [ NETWORK_ID = 1 ]

#### I/O Devices ####

GRAPHICS = [ 
  TYPE    = "vnc",
  LISTEN  = "0.0.0.0",
  PORT    = "5"]
`;

/** Lower-case names, tabs, CRLF line ends, comments inside a vector, a direct-kernel boot. */
export const kernelBoot = [
  'name = "kernel boot"   # lower case is fine',
  'cpu = 1',
  'vcpu = 1',
  'memory = 256',
  'os = [',
  '\tkernel = "/var/lib/one/kernels/vmlinuz",  # the guest kernel',
  '\tinitrd = "/var/lib/one/kernels/initrd.img",',
  '\troot = "vda",',
  '\tkernel_cmd = "console=ttyS0 quiet"',
  ']',
  'disk = [ source = "/var/lib/images/test.raw", target = "vda", bus = "virtio", readonly = "no", clone = "no", save = "yes", format = "raw" ]',
  'disk = [ image = "context-iso", type = "cdrom" ]',
  'nic = [ network_mode = "auto", model = "virtio" ]',
  'context = [ network = "YES", ssh_public_key = "$USER[SSH_PUBLIC_KEY]", set_hostname = "$NAME" ]',
  'requirements = "CLUSTER_ID = 100"',
  'rank = "- RUNNING_VMS"',
  '',
].join('\r\n');

/** `onevm show` output: no blanks around '=', everything quoted, vectors closed on the last pair's line. */
export const onevmShow = String.raw`AUTOMATIC_DS_REQUIREMENTS="(\"CLUSTERS/ID\" @> 0)"
AUTOMATIC_NIC_REQUIREMENTS="(\"CLUSTERS/ID\" @> 0)"
AUTOMATIC_REQUIREMENTS="(CLUSTER_ID = 0) & !(PUBLIC_CLOUD = YES) & !(PIN_POLICY = PINNED)"
CONTEXT=[
  DISK_ID="1",
  ETH0_DNS="8.8.8.8",
  ETH0_IP="172.16.100.2",
  ETH0_MAC="02:00:ac:10:64:02",
  NETWORK="YES",
  TARGET="hda" ]
CPU="1"
DISK=[
  ALLOW_ORPHANS="YES",
  CLONE="YES",
  CLONE_TARGET="SYSTEM",
  DATASTORE="default",
  DATASTORE_ID="1",
  DEV_PREFIX="vd",
  DISK_ID="0",
  IMAGE="alpine",
  IMAGE_ID="0",
  READONLY="NO",
  SAVE="NO",
  SIZE="256",
  SOURCE="/var/lib/one//datastores/1/f0a8f6c4",
  TARGET="vda",
  TM_MAD="ssh",
  TYPE="FILE" ]
MEMORY="128"
VMID="0"
`;

export const allSamples = { sunstoneKvm, handWritten, kernelBoot, onevmShow } as const;

export { prng } from '../../src/base/prng.js';

export function pick<T>(random: () => number, items: readonly T[]): T {
  return items[Math.floor(random() * items.length)] as T;
}
