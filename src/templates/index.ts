export type { Attribute, AttributeInit, Template, TemplateValue, VectorValue } from './template.js';
export { createTemplate, isAttributeName, isVector } from './template.js';
export { MAX_TEMPLATE_ATTRIBUTES, MAX_TEMPLATE_BYTES, parseTemplate } from './template-parser.js';
export { quoteValue, renderTemplate, withAttribute } from './template-render.js';
export { DISK_TYPES } from './vm-devices.js';
export type { DiskType, VmDisk, VmNic, VmOs } from './vm-devices.js';
export { vmTemplate } from './vm-template.js';
export type { VmTemplate } from './vm-template.js';
