import { ValidationError } from './errors.js';

/** How one hyper-parameter is validated. */
export type ParamRule =
  | { type: 'int'; min?: number; max?: number; nullable?: boolean }
  | {
      type: 'number';
      min?: number;
      max?: number;
      exclusiveMin?: number;
      exclusiveMax?: number;
      nullable?: boolean;
    }
  | { type: 'boolean' }
  | { type: 'enum'; values: readonly string[]; open?: boolean; nullable?: boolean }
  | { type: 'string'; nullable?: boolean }
  | { type: 'intArray'; min?: number; minLength?: number }
  | { type: 'function'; nullable?: boolean }
  | { type: 'any' };

/** A rule for every parameter of an estimator. */
export type ParamSpec<P> = { [K in keyof P]-?: ParamRule };

function fail(owner: string, key: string, value: unknown, expected: string): never {
  let shown: string;
  try {
    shown = typeof value === 'function' ? 'a function' : (JSON.stringify(value) ?? String(value));
  } catch {
    shown = String(value);
  }
  throw new ValidationError(`${owner}: ${key} must be ${expected}, got ${shown}.`);
}

/** Validates one parameter value against its rule; throws ValidationError naming the parameter. */
export function checkParam(owner: string, key: string, rule: ParamRule, value: unknown): void {
  if (rule.type === 'any') return;
  if (value === undefined || value === null) {
    if ('nullable' in rule && rule.nullable) return;
    fail(owner, key, value, `set (${rule.type})`);
  }
  switch (rule.type) {
    case 'int': {
      const range = `${rule.min !== undefined ? ` ≥ ${rule.min}` : ''}${rule.max !== undefined ? ` ≤ ${rule.max}` : ''}`;
      if (typeof value !== 'number' || !Number.isInteger(value))
        fail(owner, key, value, `an integer${range}`);
      if (rule.min !== undefined && (value as number) < rule.min)
        fail(owner, key, value, `an integer${range}`);
      if (rule.max !== undefined && (value as number) > rule.max)
        fail(owner, key, value, `an integer${range}`);
      return;
    }
    case 'number': {
      const parts: string[] = [];
      if (rule.min !== undefined) parts.push(`≥ ${rule.min}`);
      if (rule.exclusiveMin !== undefined) parts.push(`> ${rule.exclusiveMin}`);
      if (rule.max !== undefined) parts.push(`≤ ${rule.max}`);
      if (rule.exclusiveMax !== undefined) parts.push(`< ${rule.exclusiveMax}`);
      const expected = `a finite number${parts.length ? ` ${parts.join(' and ')}` : ''}`;
      if (typeof value !== 'number' || !Number.isFinite(value)) fail(owner, key, value, expected);
      const v = value as number;
      if (rule.min !== undefined && v < rule.min) fail(owner, key, value, expected);
      if (rule.max !== undefined && v > rule.max) fail(owner, key, value, expected);
      if (rule.exclusiveMin !== undefined && v <= rule.exclusiveMin) fail(owner, key, value, expected);
      if (rule.exclusiveMax !== undefined && v >= rule.exclusiveMax) fail(owner, key, value, expected);
      return;
    }
    case 'boolean':
      if (typeof value !== 'boolean') fail(owner, key, value, 'true or false');
      return;
    case 'enum':
      if (typeof value !== 'string')
        fail(owner, key, value, `one of ${rule.values.map((v) => `'${v}'`).join(', ')}`);
      if (!rule.open && !rule.values.includes(value as string)) {
        fail(owner, key, value, `one of ${rule.values.map((v) => `'${v}'`).join(', ')}`);
      }
      return;
    case 'string':
      if (typeof value !== 'string') fail(owner, key, value, 'a string');
      return;
    case 'intArray': {
      const min = rule.min ?? 1;
      const expected = `an array of integers ≥ ${min}${rule.minLength ? ` with at least ${rule.minLength} entr${rule.minLength === 1 ? 'y' : 'ies'}` : ''}`;
      if (!Array.isArray(value)) fail(owner, key, value, expected);
      const arr = value as unknown[];
      if (rule.minLength !== undefined && arr.length < rule.minLength) fail(owner, key, value, expected);
      for (const x of arr) {
        if (typeof x !== 'number' || !Number.isInteger(x) || x < min) fail(owner, key, value, expected);
      }
      return;
    }
    case 'function':
      if (typeof value !== 'function') fail(owner, key, value, 'a function');
      return;
  }
}

/**
 * Validates a partial set of parameters: unknown names are rejected (with the list of known ones), each
 * value checked against its rule.
 */
export function validateParams<P extends object>(
  owner: string,
  spec: ParamSpec<P>,
  params: Partial<P>,
): void {
  if (typeof params !== 'object' || params === null || Array.isArray(params)) {
    throw new ValidationError(
      `${owner}: parameters must be an object, got ${Array.isArray(params) ? 'an array' : String(params)}.`,
    );
  }
  for (const key of Object.keys(params)) {
    if (!(key in spec)) {
      throw new ValidationError(
        `${owner}: unknown parameter "${key}". Known parameters: ${Object.keys(spec).join(', ')}.`,
      );
    }
    const value = (params as Record<string, unknown>)[key];
    if (value === undefined) continue;
    checkParam(owner, key, (spec as Record<string, ParamRule>)[key]!, value);
  }
}
