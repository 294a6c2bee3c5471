import { describe, expect, it } from 'vitest';
import { BaseEstimator, clone, NotFittedError, type ParamSpec, Registry, ValidationError } from '../index.js';

interface P {
  sizes: number[];
  rate: number;
  mode: 'a' | 'b';
  epochs: number;
}
const spec: ParamSpec<P> = {
  sizes: { type: 'intArray', min: 1, minLength: 1 },
  rate: { type: 'number', exclusiveMin: 0 },
  mode: { type: 'enum', values: ['a', 'b'] },
  epochs: { type: 'int', min: 1 },
};

class Toy extends BaseEstimator<P> {
  fitted = false;
  constructor(params: Partial<P> = {}, options: { registry?: Registry } = {}) {
    super({ sizes: [4], rate: 0.1, mode: 'a', epochs: 3 }, spec, params, options);
  }
  get isFitted() {
    return this.fitted;
  }
  predict() {
    this.assertFitted('predict');
  }
}

describe('BaseEstimator and clone', () => {
  it('merges defaults, returns copies, and round-trips get/setParams', () => {
    const t = new Toy({ sizes: [8, 2] });
    const p = t.getParams();
    expect(p).toEqual({ sizes: [8, 2], rate: 0.1, mode: 'a', epochs: 3 });
    p.sizes.push(99);
    expect(t.getParams().sizes).toEqual([8, 2]);
    expect(t.setParams({ rate: 0.5 })).toBe(t);
    expect(new Toy(t.getParams()).getParams()).toEqual(t.getParams());
  });

  it('rejects unknown and invalid params with named messages', () => {
    expect(() => new Toy({ foo: 1 } as never)).toThrowError(
      /unknown parameter "foo". Known parameters: sizes, rate/,
    );
    expect(() => new Toy({ rate: 0 })).toThrowError(/Toy: rate must be a finite number > 0, got 0/);
    expect(() => new Toy({ epochs: 1.5 })).toThrowError(/epochs must be an integer ≥ 1/);
    expect(() => new Toy({ epochs: -1 })).toThrowError(ValidationError);
    expect(() => new Toy({ sizes: [] })).toThrowError(/at least 1 entry/);
    expect(() => new Toy({ sizes: [3, 0] })).toThrowError(/integers ≥ 1/);
    expect(() => new Toy({ mode: 'c' as never })).toThrowError(/one of 'a', 'b'/);
    const t = new Toy();
    expect(() => t.setParams({ rate: -1 })).toThrowError(ValidationError);
    expect(t.getParams().rate).toBe(0.1);
  });

  it('clone gives an unfitted estimator with equal params and the same registry', () => {
    const registry = new Registry();
    const t = new Toy({ epochs: 7 }, { registry });
    t.fitted = true;
    const c = clone(t);
    expect(c).toBeInstanceOf(Toy);
    expect(c.isFitted).toBe(false);
    expect(c.getParams()).toEqual(t.getParams());
    expect(c.registry).toBe(registry);
    expect(() => c.predict()).toThrowError(NotFittedError);
    expect(() => c.predict()).toThrowError(/not fitted yet: call fit\(\).*before predict\(\)/);
  });

  it("clone uses an object's own clone() (a composite that clones its steps); a clone() calling clone(this) does not recurse", () => {
    class Composite {
      constructor(readonly steps: Toy[]) {}
      clone(): Composite {
        return new Composite(this.steps.map((s) => clone(s)));
      }
    }
    const t = new Toy({ epochs: 3 });
    t.fitted = true;
    const c = clone(new Composite([t]));
    expect(c).toBeInstanceOf(Composite);
    expect(c.steps[0]).not.toBe(t);
    expect(c.steps[0]!.isFitted).toBe(false);
    expect(c.steps[0]!.getParams().epochs).toBe(3);
    class SelfCloning extends Toy {
      clone(): this {
        return clone(this);
      }
    }
    const s = new SelfCloning({ epochs: 5 });
    const sc = clone(s);
    expect(sc).toBeInstanceOf(SelfCloning);
    expect(sc).not.toBe(s);
    expect(sc.getParams().epochs).toBe(5);
    expect(s.clone().getParams().epochs).toBe(5);
  });
});
