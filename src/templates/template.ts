/**
 * The parsed form of an OpenNebula template: attributes in the order written,
 * repeats kept (several DISK, several NIC). Names are upper-case, as
 * OpenNebula stores them; values are strings or flat vectors of strings.
 */
import { NepheleError } from '../errors.js';
import { excerpt } from './excerpt.js';

/** A vector attribute's pairs (`DISK = [ IMAGE = "x", TARGET = "sda" ]`), keys upper-case, in the order written. */
export interface VectorValue {
  readonly [key: string]: string;
}

export type TemplateValue = string | VectorValue;

export interface Attribute {
  /** Upper-case. */
  readonly name: string;
  readonly value: TemplateValue;
  /** 1-based line of the name in the source; 0 for attributes built in code. */
  readonly line: number;
}

export interface Template {
  readonly attributes: readonly Attribute[];
  /** The value of the first attribute called `name` (any case), or undefined. */
  get(name: string): TemplateValue | undefined;
  /** The values of every attribute called `name` (any case), in order. */
  getAll(name: string): readonly TemplateValue[];
  /**
   * The first `name` as a string, or undefined when absent.
   * Throws INVALID_TEMPLATE (details `{ attribute, line }`) when it is a vector.
   */
  getString(name: string): string | undefined;
  /**
   * The first `name` as a vector, or undefined when absent.
   * Throws INVALID_TEMPLATE (details `{ attribute, line }`) when it is a single value.
   */
  getVector(name: string): VectorValue | undefined;
}

/** What createTemplate takes: any case, line optional. */
export interface AttributeInit {
  readonly name: string;
  readonly value: TemplateValue;
  readonly line?: number;
}

const NAME_START = /^[A-Za-z_]/;
const NAME_REST = /^[A-Za-z0-9_]*$/;

/** True for a valid attribute or vector key name: `[A-Za-z_][A-Za-z0-9_]*`. */
export function isAttributeName(name: string): boolean {
  return NAME_START.test(name) && NAME_REST.test(name);
}

export function isVector(value: TemplateValue): value is VectorValue {
  return typeof value !== 'string';
}

class ParsedTemplate implements Template {
  readonly attributes: readonly Attribute[];

  constructor(attributes: readonly Attribute[]) {
    this.attributes = attributes;
    Object.freeze(this);
  }

  get(name: string): TemplateValue | undefined {
    return this.first(name)?.value;
  }

  getAll(name: string): readonly TemplateValue[] {
    const key = name.toUpperCase();
    return this.attributes.filter((a) => a.name === key).map((a) => a.value);
  }

  getString(name: string): string | undefined {
    const attr = this.first(name);
    if (attr === undefined) return undefined;
    if (isVector(attr.value)) {
      throw new NepheleError('INVALID_TEMPLATE', `${excerpt(attr.name)} must be a single value, not a vector`, {
        details: { attribute: attr.name, line: attr.line },
      });
    }
    return attr.value;
  }

  getVector(name: string): VectorValue | undefined {
    const attr = this.first(name);
    if (attr === undefined) return undefined;
    if (!isVector(attr.value)) {
      throw new NepheleError('INVALID_TEMPLATE', `${excerpt(attr.name)} must be a vector ([ KEY = value, … ])`, {
        details: { attribute: attr.name, line: attr.line },
      });
    }
    return attr.value;
  }

  private first(name: string): Attribute | undefined {
    const key = name.toUpperCase();
    return this.attributes.find((a) => a.name === key);
  }
}

/**
 * Builds a frozen Template from attributes, upper-casing names and vector
 * keys. Invalid names, duplicate vector keys or non-string values are
 * programming mistakes and throw a TypeError.
 */
export function createTemplate(attributes: readonly AttributeInit[]): Template {
  return new ParsedTemplate(Object.freeze(attributes.map(normalizeAttribute)));
}

/** For the parser, which has already checked and upper-cased everything. */
export function templateOf(attributes: Attribute[]): Template {
  return new ParsedTemplate(Object.freeze(attributes));
}

function normalizeAttribute(init: AttributeInit): Attribute {
  if (typeof init.name !== 'string' || !isAttributeName(init.name)) {
    throw new TypeError(`invalid attribute name ${JSON.stringify(init.name)}`);
  }
  const name = init.name.toUpperCase();
  const line = init.line ?? 0;
  if (!Number.isInteger(line) || line < 0) throw new TypeError(`invalid line for ${name}`);
  const { value } = init;
  if (typeof value === 'string') return Object.freeze({ name, value, line });
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new TypeError(`${name} must be a string or a vector of strings`);
  }
  const vector: Record<string, string> = {};
  for (const [key, v] of Object.entries(value)) {
    if (!isAttributeName(key)) throw new TypeError(`invalid key ${JSON.stringify(key)} in ${name}`);
    const upper = key.toUpperCase();
    if (Object.hasOwn(vector, upper)) throw new TypeError(`${name} has ${upper} twice`);
    if (typeof v !== 'string') throw new TypeError(`${name}/${upper} must be a string`);
    vector[upper] = v;
  }
  return Object.freeze({ name, value: Object.freeze(vector), line });
}
