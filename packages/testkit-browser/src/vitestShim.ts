// What a browser bundle gets instead of `vitest`: the suite-declaring API (describe / it / hooks) recording
// into a tree, vitest's own `expect` (chai with @vitest/expect's Jest matchers), and `runSuites()`, which
// runs the tree in declaration order and reports one result per test. Browser-safe: no Node imports.
import { JestAsymmetricMatchers, JestChaiExpect, JestExtend } from '@vitest/expect';
import * as chai from 'chai';

chai.use(JestExtend);
chai.use(JestChaiExpect);
chai.use(JestAsymmetricMatchers);

type Fn = () => unknown | Promise<unknown>;

interface TestNode {
  kind: 'test';
  name: string;
  fn?: Fn;
  skip: boolean;
}

interface SuiteNode {
  kind: 'suite';
  name: string;
  skip: boolean;
  children: (SuiteNode | TestNode)[];
  beforeAll: Fn[];
  afterAll: Fn[];
  beforeEach: Fn[];
  afterEach: Fn[];
}

/** The outcome of one test, as {@link runSuites} reports it. */
export interface TestResult {
  /** Suite titles and the test's name, outermost first. */
  path: string[];
  /** The test's name. */
  name: string;
  state: 'pass' | 'fail' | 'skip';
  /** The failure (message and stack), for `fail`. */
  error?: string;
  /** Milliseconds the test took, hooks included. */
  ms: number;
}

const newSuite = (name: string, skip: boolean): SuiteNode => ({
  kind: 'suite',
  name,
  skip,
  children: [],
  beforeAll: [],
  afterAll: [],
  beforeEach: [],
  afterEach: [],
});

const root = newSuite('', false);
let current = root;

function declareSuite(name: string, fn: () => void, skip: boolean): void {
  const suite = newSuite(name, skip);
  current.children.push(suite);
  const parent = current;
  current = suite;
  try {
    fn();
  } finally {
    current = parent;
  }
}

function declareTest(name: string, fn: Fn | undefined, skip: boolean): void {
  current.children.push({ kind: 'test', name, fn, skip });
}

type DescribeFn = ((name: string, fn: () => void) => void) & {
  skip: (name: string, fn: () => void) => void;
  skipIf: (condition: unknown) => (name: string, fn: () => void) => void;
  runIf: (condition: unknown) => (name: string, fn: () => void) => void;
};
type ItFn = ((name: string, fn?: Fn, timeout?: number) => void) & {
  skip: (name: string, fn?: Fn, timeout?: number) => void;
  skipIf: (condition: unknown) => (name: string, fn?: Fn, timeout?: number) => void;
  runIf: (condition: unknown) => (name: string, fn?: Fn, timeout?: number) => void;
};

/** vitest's `describe` (with `.skip`, `.skipIf`, `.runIf`). */
export const describe: DescribeFn = Object.assign(
  (name: string, fn: () => void) => declareSuite(name, fn, false),
  {
    skip: (name: string, fn: () => void) => declareSuite(name, fn, true),
    skipIf: (c: unknown) => (name: string, fn: () => void) => declareSuite(name, fn, Boolean(c)),
    runIf: (c: unknown) => (name: string, fn: () => void) => declareSuite(name, fn, !c),
  },
);

/** vitest's `it` (with `.skip`, `.skipIf`, `.runIf`); timeouts are the page's, not per test. */
export const it: ItFn = Object.assign((name: string, fn?: Fn) => declareTest(name, fn, fn === undefined), {
  skip: (name: string, fn?: Fn) => declareTest(name, fn, true),
  skipIf: (c: unknown) => (name: string, fn?: Fn) => declareTest(name, fn, Boolean(c)),
  runIf: (c: unknown) => (name: string, fn?: Fn) => declareTest(name, fn, !c),
});
export const test = it;
export const suite = describe;

export const beforeAll = (fn: Fn): void => void current.beforeAll.push(fn);
export const afterAll = (fn: Fn): void => void current.afterAll.push(fn);
export const beforeEach = (fn: Fn): void => void current.beforeEach.push(fn);
export const afterEach = (fn: Fn): void => void current.afterEach.push(fn);

/** vitest's `expect`: chai's `expect` with the Jest matchers vitest adds (`toBe`, `toEqual`, …). */
export const expect = Object.assign(
  (value: unknown, message?: string) => chai.expect(value, message),
  chai.expect,
) as unknown as typeof import('vitest').expect;

const describeError = (e: unknown): string =>
  e instanceof Error ? `${e.name}: ${e.message}${e.stack ? `\n${e.stack}` : ''}` : String(e);

async function runSuite(suite: SuiteNode, path: string[], eachChain: SuiteNode[], out: TestResult[]) {
  const here = suite === root ? path : [...path, suite.name];
  const chain = [...eachChain, suite];
  const tests = (s: SuiteNode): TestNode[] => s.children.flatMap((c) => (c.kind === 'test' ? [c] : tests(c)));
  const skipAll = (s: SuiteNode, p: string[]) => {
    for (const c of s.children) {
      if (c.kind === 'test') out.push({ path: [...p, c.name], name: c.name, state: 'skip', ms: 0 });
      else skipAll(c, [...p, c.name]);
    }
  };
  if (suite.skip || tests(suite).every((t) => t.skip)) {
    skipAll(suite, here);
    return;
  }
  let setupError: unknown;
  for (const h of suite.beforeAll) {
    try {
      await h();
    } catch (e) {
      setupError = e;
      break;
    }
  }
  for (const c of suite.children) {
    if (c.kind === 'suite') {
      if (setupError !== undefined) skipAll(c, [...here, c.name]);
      else await runSuite(c, here, chain, out);
      continue;
    }
    const result: TestResult = { path: [...here, c.name], name: c.name, state: 'pass', ms: 0 };
    out.push(result);
    if (c.skip || !c.fn) {
      result.state = 'skip';
      continue;
    }
    if (setupError !== undefined) {
      result.state = 'fail';
      result.error = `beforeAll failed: ${describeError(setupError)}`;
      continue;
    }
    const t0 = performance.now();
    try {
      for (const s of chain) for (const h of s.beforeEach) await h();
      await c.fn();
    } catch (e) {
      result.state = 'fail';
      result.error = describeError(e);
    }
    for (const s of [...chain].reverse()) {
      for (const h of s.afterEach) {
        try {
          await h();
        } catch (e) {
          if (result.state !== 'fail') {
            result.state = 'fail';
            result.error = `afterEach failed: ${describeError(e)}`;
          }
        }
      }
    }
    result.ms = performance.now() - t0;
  }
  for (const h of suite.afterAll) {
    try {
      await h();
    } catch (e) {
      out.push({
        path: [...here, '(afterAll)'],
        name: '(afterAll)',
        state: 'fail',
        error: describeError(e),
        ms: 0,
      });
    }
  }
}

/** Runs every suite and test declared so far, in order; one result per test (never throws). */
export async function runSuites(): Promise<TestResult[]> {
  const out: TestResult[] = [];
  await runSuite(root, [], [], out);
  return out;
}
