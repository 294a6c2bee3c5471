import { describe, expect, it } from 'vitest';
import { ValidationError } from '../errors.js';
import { acceleratorThreadLimit, limitAcceleratorThreads } from '../trainingAccelerator.js';

describe('limitAcceleratorThreads', () => {
  it('caps the accelerator threads until undone; limits nest and the smallest holds', () => {
    expect(acceleratorThreadLimit()).toBe(Number.POSITIVE_INFINITY);
    const a = limitAcceleratorThreads(3);
    expect(acceleratorThreadLimit()).toBe(3);
    const b = limitAcceleratorThreads(1);
    expect(acceleratorThreadLimit()).toBe(1);
    a();
    expect(acceleratorThreadLimit()).toBe(1);
    a(); // undoing twice changes nothing
    b();
    expect(acceleratorThreadLimit()).toBe(Number.POSITIVE_INFINITY);
  });

  it('refuses a thread count that is not a positive integer, with no limit set', () => {
    for (const bad of [0, -1, 1.5, Number.NaN]) {
      expect(() => limitAcceleratorThreads(bad)).toThrow(ValidationError);
      expect(() => limitAcceleratorThreads(bad)).toThrow(/positive integer/);
    }
    expect(acceleratorThreadLimit()).toBe(Number.POSITIVE_INFINITY);
  });
});
