/**
 * OpenNebula 6.10's numbers for Nephele's states and kinds, each table in
 * one place. Sources: include/VirtualMachine.h (VmState, LcmState),
 * include/Host.h (HostState), include/Image.h (ImageType, ImageState,
 * DiskType), include/History.h via share/doc/xsd/acct.xsd (ACTION), and
 * src/oca/ruby/opennebula/*.rb, which turn them back into names.
 */
import type { HostState } from '../../hosts/host-view.js';
import type { ImageState, ImageType } from '../../images/image-record.js';
import type { HistoryReason } from '../../vms/vm-lifecycle.js';
import type { VmState } from '../../vms/vm-states.js';

/** OpenNebula's VM_STATE: INIT 0, PENDING 1, HOLD 2, ACTIVE 3, STOPPED 4, SUSPENDED 5, DONE 6, POWEROFF 8, UNDEPLOYED 9. */
export const ONE_VM_STATE = Object.freeze({
  INIT: 0,
  PENDING: 1,
  HOLD: 2,
  ACTIVE: 3,
  STOPPED: 4,
  SUSPENDED: 5,
  DONE: 6,
  POWEROFF: 8,
  UNDEPLOYED: 9,
});

/**
 * Every Nephele state as OpenNebula's pair (STATE, LCM_STATE). Nephele's
 * flat names are OpenNebula's LCM_STATE names for an ACTIVE VM and its
 * VM_STATE names otherwise (LCM_STATE then LCM_INIT, 0); the failure
 * states are ACTIVE ones in OpenNebula too.
 */
export const VM_STATE_CODES: Readonly<Record<VmState, readonly [state: number, lcm: number]>> = Object.freeze({
  PENDING: [1, 0],
  HOLD: [2, 0],
  PROLOG: [3, 1],
  BOOT: [3, 2],
  RUNNING: [3, 3],
  MIGRATE: [3, 4],
  SAVE_STOP: [3, 5],
  SAVE_SUSPEND: [3, 6],
  SAVE_MIGRATE: [3, 7],
  PROLOG_MIGRATE: [3, 8],
  PROLOG_RESUME: [3, 9],
  EPILOG_STOP: [3, 10],
  EPILOG: [3, 11],
  SHUTDOWN: [3, 12],
  CLEANUP_RESUBMIT: [3, 15],
  UNKNOWN: [3, 16],
  SHUTDOWN_POWEROFF: [3, 18],
  BOOT_UNKNOWN: [3, 19],
  BOOT_POWEROFF: [3, 20],
  BOOT_SUSPENDED: [3, 21],
  BOOT_STOPPED: [3, 22],
  SHUTDOWN_UNDEPLOY: [3, 29],
  EPILOG_UNDEPLOY: [3, 30],
  PROLOG_UNDEPLOY: [3, 31],
  BOOT_UNDEPLOY: [3, 32],
  BOOT_MIGRATE: [3, 35],
  BOOT_FAILURE: [3, 36],
  BOOT_MIGRATE_FAILURE: [3, 37],
  PROLOG_MIGRATE_FAILURE: [3, 38],
  PROLOG_FAILURE: [3, 39],
  EPILOG_FAILURE: [3, 40],
  EPILOG_STOP_FAILURE: [3, 41],
  EPILOG_UNDEPLOY_FAILURE: [3, 42],
  BOOT_UNDEPLOY_FAILURE: [3, 47],
  BOOT_STOPPED_FAILURE: [3, 48],
  PROLOG_RESUME_FAILURE: [3, 49],
  PROLOG_UNDEPLOY_FAILURE: [3, 50],
  POWEROFF: [8, 0],
  STOPPED: [4, 0],
  SUSPENDED: [5, 0],
  UNDEPLOYED: [9, 0],
  DONE: [6, 0],
});

/** OpenNebula's HostState (include/Host.h); Nephele has no MONITORING_* states (its monitoring is pushed, not polled). */
export const HOST_STATE_CODES: Readonly<Record<HostState, number>> = Object.freeze({
  INIT: 0,
  MONITORED: 2,
  ERROR: 3,
  DISABLED: 4,
  OFFLINE: 8,
});

/** OpenNebula's ImageType. */
export const IMAGE_TYPE_CODES: Readonly<Record<ImageType, number>> = Object.freeze({
  OS: 0,
  CDROM: 1,
  DATABLOCK: 2,
  KERNEL: 3,
  RAMDISK: 4,
  CONTEXT: 5,
});

/** OpenNebula's ImageState; a persistent image in use is USED_PERS (8), as OpenNebula shows it. */
export function imageStateCode(state: ImageState, persistent: boolean): number {
  switch (state) {
    case 'READY':
      return 1;
    case 'USED':
      return persistent ? 8 : 2;
    case 'DISABLED':
      return 3;
    case 'LOCKED':
      return 4;
    case 'ERROR':
      return 5;
  }
}

/** OpenNebula's DiskType FILE: Nephele's datastores are directories of files (OpenNebula's `fs` datastores). */
export const DISK_TYPE_FILE = 0;

/** OpenNebula's VirtualNetwork state READY: Nephele's networks are usable from their creation. */
export const VNET_STATE_READY = 1;

/** OpenNebula's Datastore types (include/Datastore.h) and its state READY. */
export const DATASTORE_TYPE = Object.freeze({ IMAGE_DS: 0, SYSTEM_DS: 1, FILE_DS: 2 });
export const DATASTORE_STATE_READY = 0;

/** OpenNebula's history ACTION for why a stay ended: NONE_ACTION (0) while it is open. */
export function historyActionCode(reason: HistoryReason | undefined): number {
  switch (reason) {
    case undefined:
      return 0;
    // Nephele records a migration without saying whether it was live: MIGRATE_ACTION, as a cold one.
    case 'migrate':
    case 'migrate_failed':
      return 1;
    case 'undeploy':
      return 5;
    case 'stop':
      return 9;
    case 'delete':
      return 13;
    case 'recreate':
      return 14;
    // Nephele records a terminate without saying hard or not: TERMINATE_ACTION.
    case 'terminate':
      return 27;
  }
}
