/**
 * A VM's USER_TEMPLATE, which OpenNebula's `onevm update` edits: the
 * attributes of the VM's template that are not the VM's own (OpenNebula's
 * VirtualMachine::insert moves CPU, MEMORY, DISK, NIC, CONTEXT, … to
 * TEMPLATE and leaves the rest to the user), then whatever updates made of
 * them. Oned reads SCHED_REQUIREMENTS and SCHED_RANK (or REQUIREMENTS and
 * RANK) there, as OpenNebula's scheduler does; the rest is the user's.
 */
import { NepheleError, isNepheleError } from '../errors.js';
import { compileRank, compileRequirements } from '../placement/expr/index.js';
import {
  checkAttributes,
  keepRestricted,
  mergeAttributes,
  parseAttributes,
  type TemplateAttribute,
} from '../templates/template-attributes.js';
import { isVector, parseTemplate, type Template } from '../templates/index.js';

/**
 * What OpenNebula keeps in a VM's TEMPLATE (vm.xsd's TEMPLATE children, and
 * NAME, which is the VM's own element): everything else of the template a
 * VM is made from starts its USER_TEMPLATE.
 */
export const VM_TEMPLATE_ATTRIBUTES: ReadonlySet<string> = new Set([
  'NAME',
  'TEMPLATE_NAME',
  'AUTOMATIC_DS_REQUIREMENTS',
  'AUTOMATIC_NIC_REQUIREMENTS',
  'AUTOMATIC_REQUIREMENTS',
  'CLONING_TEMPLATE_ID',
  'CONTEXT',
  'CPU',
  'CPU_COST',
  'DISK',
  'DISK_COST',
  'EMULATOR',
  'FEATURES',
  'HYPERV_OPTIONS',
  'GRAPHICS',
  'IMPORTED',
  'INPUT',
  'MEMORY',
  'MEMORY_COST',
  'MEMORY_MAX',
  'MEMORY_SLOTS',
  'MEMORY_RESIZE_MODE',
  'NIC',
  'NIC_ALIAS',
  'NIC_DEFAULT',
  'NUMA_NODE',
  'OS',
  'PCI',
  'RAW',
  'SECURITY_GROUP_RULE',
  'SPICE_OPTIONS',
  'SUBMIT_ON_HOLD',
  'TEMPLATE_ID',
  'TM_MAD_SYSTEM',
  'TOPOLOGY',
  'VCPU',
  'VCPU_MAX',
  'VMGROUP',
  'VMID',
  'VROUTER_ID',
  'VROUTER_KEEPALIVED_ID',
  'VROUTER_KEEPALIVED_PASSWORD',
]);

/**
 * OpenNebula 6.10's VM_RESTRICTED_ATTR (oned.conf): only an administrator
 * sets or changes them in a VM's user template.
 */
export const VM_RESTRICTED_ATTRIBUTES: readonly string[] = Object.freeze([
  'CONTEXT/FILES',
  ...[
    'MAC',
    'VLAN_ID',
    'BRIDGE',
    'FILTER',
    'FILTER_IP_SPOOFING',
    'FILTER_MAC_SPOOFING',
    'INBOUND_AVG_BW',
    'INBOUND_PEAK_BW',
    'INBOUND_PEAK_KB',
    'OUTBOUND_AVG_BW',
    'OUTBOUND_PEAK_BW',
    'OUTBOUND_PEAK_KB',
    'OPENNEBULA_MANAGED',
    'VCENTER_INSTANCE_ID',
    'VCENTER_NET_REF',
    'VCENTER_PORTGROUP_TYPE',
    'EXTERNAL',
  ].map((k) => `NIC/${k}`),
  ...[
    'MAC',
    'VLAN_ID',
    'BRIDGE',
    'INBOUND_AVG_BW',
    'INBOUND_PEAK_BW',
    'INBOUND_PEAK_KB',
    'OUTBOUND_AVG_BW',
    'OUTBOUND_PEAK_BW',
    'OUTBOUND_PEAK_KB',
    'OPENNEBULA_MANAGED',
    'VCENTER_INSTANCE_ID',
    'VCENTER_NET_REF',
    'VCENTER_PORTGROUP_TYPE',
  ].map((k) => `NIC_ALIAS/${k}`),
  ...['MAC', 'VLAN_ID', 'BRIDGE', 'FILTER', 'EXTERNAL'].map((k) => `NIC_DEFAULT/${k}`),
  ...[
    'TOTAL_BYTES_SEC',
    'TOTAL_BYTES_SEC_MAX_LENGTH',
    'TOTAL_BYTES_SEC_MAX',
    'READ_BYTES_SEC',
    'READ_BYTES_SEC_MAX_LENGTH',
    'READ_BYTES_SEC_MAX',
    'WRITE_BYTES_SEC',
    'WRITE_BYTES_SEC_MAX_LENGTH',
    'WRITE_BYTES_SEC_MAX',
    'TOTAL_IOPS_SEC',
    'TOTAL_IOPS_SEC_MAX_LENGTH',
    'TOTAL_IOPS_SEC_MAX',
    'READ_IOPS_SEC',
    'READ_IOPS_SEC_MAX_LENGTH',
    'READ_IOPS_SEC_MAX',
    'WRITE_IOPS_SEC',
    'WRITE_IOPS_SEC_MAX_LENGTH',
    'WRITE_IOPS_SEC_MAX',
    'SIZE_IOPS_SEC',
    'OPENNEBULA_MANAGED',
    'VCENTER_DS_REF',
    'VCENTER_INSTANCE_ID',
    'ORIGINAL_SIZE',
    'SIZE_PREV',
  ].map((k) => `DISK/${k}`),
  'DEPLOY_ID',
  'CPU_COST',
  'MEMORY_COST',
  'DISK_COST',
  'PCI',
  'EMULATOR',
  'RAW/DATA',
  'USER_PRIORITY',
  'USER_INPUTS/CPU',
  'USER_INPUTS/MEMORY',
  'USER_INPUTS/VCPU',
  'VCENTER_VM_FOLDER',
  'VCENTER_ESX_HOST',
  'TOPOLOGY/PIN_POLICY',
  'TOPOLOGY/HUGEPAGE_SIZE',
]);

/** The user template a VM made from `template` starts with: the attributes that are not the VM's own, in order. */
export function userAttributesOf(template: Pick<Template, 'attributes'>): TemplateAttribute[] {
  return template.attributes
    .filter((a) => !VM_TEMPLATE_ATTRIBUTES.has(a.name))
    .map(({ name, value }) => ({ name, value: isVector(value) ? { ...value } : value }));
}

/** userAttributesOf the stored template text. */
export function initialUserTemplate(text: string): TemplateAttribute[] {
  try {
    return userAttributesOf(parseTemplate(text));
  } catch {
    // Stored templates parsed when they were stored; one that no longer does has no user attributes to show.
    return [];
  }
}

/** What of a VM record its user template comes from (VmRecord's fields). */
export interface WithUserTemplate {
  readonly template: string;
  readonly userTemplate?: readonly TemplateAttribute[] | undefined;
}

/** The VM's user template: the stored one, or for a VM never updated (or stored before the field) its template's. */
export function userTemplateOf(r: WithUserTemplate): readonly TemplateAttribute[] {
  return r.userTemplate ?? initialUserTemplate(r.template);
}

/** What an update changes of a VM record. */
export interface UserTemplateChange {
  readonly userTemplate: readonly TemplateAttribute[];
  readonly requirements: string | undefined;
  readonly rank: string | undefined;
}

/**
 * The VM after `onevm update`: `text` replaces its user template, or with
 * `append` is merged into it; bounded as src/templates checks attributes;
 * a caller who is not an administrator keeps VM_RESTRICTED_ATTRIBUTES as
 * they are (NOT_AUTHORIZED). The scheduling expressions follow the new
 * template, checked as at create (EXPRESSION_SYNTAX naming the attribute).
 */
export function updatedUserTemplate(
  r: WithUserTemplate,
  text: string,
  options: { readonly append: boolean; readonly admin: boolean },
): UserTemplateChange {
  const current = userTemplateOf(r);
  let next = parseAttributes(text, "a VM's user template");
  if (!options.admin) next = keepRestricted(current, next, VM_RESTRICTED_ATTRIBUTES, options.append);
  const userTemplate = mergeAttributes(current, next, options.append);
  // The merged whole is held to the same bounds as what was sent.
  checkAttributes(userTemplate, "a VM's user template");
  const requirements = either(userTemplate, 'SCHED_REQUIREMENTS', 'REQUIREMENTS');
  const rank = either(userTemplate, 'SCHED_RANK', 'RANK');
  if (requirements !== undefined) checkExpression(() => compileRequirements(requirements), 'SCHED_REQUIREMENTS');
  if (rank !== undefined) checkExpression(() => compileRank(rank), 'SCHED_RANK');
  return { userTemplate, requirements, rank };
}

/** The first single value of `name`, else of `older`, trimmed; undefined when empty or absent. */
function either(attributes: readonly TemplateAttribute[], name: string, older: string): string | undefined {
  const value = (n: string): string | undefined => {
    const a = attributes.find((x) => x.name === n && !isVector(x.value));
    const v = typeof a?.value === 'string' ? a.value.trim() : '';
    return v === '' ? undefined : v;
  };
  return value(name) ?? value(older);
}

function checkExpression(compile: () => unknown, attribute: string): void {
  try {
    compile();
  } catch (err) {
    if (isNepheleError(err)) throw new NepheleError(err.code, `${attribute}: ${err.message}`, { details: { ...err.details, attribute } });
    throw err;
  }
}
