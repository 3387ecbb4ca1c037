import type { TemplateRecord } from './template-pool.js';

/** A VM template as the API returns it: the record with its owner's names. */
export interface TemplateView extends TemplateRecord {
  readonly user: string;
  readonly group: string;
}
