import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it, vi } from 'vitest';
import {
  type BackendPlugin,
  BackendUnavailableError,
  type ExporterPlugin,
  type LogFilePlugin,
  type LoggerPlugin,
  PluginError,
  Registry,
  token,
  UnknownFormatError,
  ValidationError,
} from '../index.js';

function logger(name: string, seen: string[] = []): LoggerPlugin {
  return { kind: 'logger', name, handle: (e) => void seen.push(`${name}:${e.type}`) };
}

function backend(
  name: string,
  priority: number,
  opts: { available?: boolean; fails?: boolean } = {},
): BackendPlugin & {
  activated: number;
} {
  return {
    kind: 'backend',
    name,
    priority,
    activated: 0,
    isAvailable: () => opts.available ?? true,
    async activate() {
      if (opts.fails) throw new BackendUnavailableError(`${name} cannot load here`);
      this.activated++;
      await tf.setBackend('cpu');
    },
  };
}

describe('Registry', () => {
  it('use() is chainable and keeps several loggers and exporters at once', () => {
    const exp = (format: string): ExporterPlugin => ({
      kind: 'exporter',
      name: format,
      format,
      export: async () => ({ format, files: [] }),
    });
    const r = new Registry().use(logger('a')).use(logger('b')).use(exp('x')).use(exp('y'));
    expect(r.loggers().map((l) => l.name)).toEqual(['a', 'b']);
    expect(r.exporters().map((e) => e.format)).toEqual(['x', 'y']);
    expect(r.exporter('y').name).toBe('y');
  });

  it('an unknown export format lists the registered ones', () => {
    const r = new Registry().use({
      kind: 'exporter',
      name: 'onnx',
      format: 'onnx',
      export: async () => ({ format: 'onnx', files: [] }),
    });
    expect(() => r.exporter('tflite')).toThrowError(UnknownFormatError);
    expect(() => r.exporter('tflite')).toThrowError(/Registered formats: onnx/);
  });

  it('child scopes see their parents but never leak into them', () => {
    const parent = new Registry().use(logger('global'));
    const a = parent.child().use(logger('a-only'));
    const b = parent.child();
    expect(a.loggers().map((l) => l.name)).toEqual(['global', 'a-only']);
    expect(b.loggers().map((l) => l.name)).toEqual(['global']);
    expect(parent.loggers().map((l) => l.name)).toEqual(['global']);
  });

  it('typed tokens let third-party plugins bind their own services', () => {
    const Greeting = token<{ hello(): string }>('example:greeting');
    const r = new Registry().use({
      kind: 'setup',
      name: 'greeter',
      setup: (reg) => reg.bind(Greeting, { hello: () => 'hi' }),
    });
    expect(r.get(Greeting).hello()).toBe('hi');
    expect(r.child().get(Greeting).hello()).toBe('hi');
    expect(() => new Registry().get(Greeting)).toThrowError(/Nothing is registered for "example:greeting"/);
    // a child overrides its parent's binding; the parent keeps its own
    const child = r.child().bind(Greeting, { hello: () => 'hello from the child' });
    expect(child.get(Greeting).hello()).toBe('hello from the child');
    expect(r.get(Greeting).hello()).toBe('hi');
    expect(child.getAll(Greeting)).toHaveLength(2);
  });

  it('rejects malformed plugins with a message that says what is missing', () => {
    const r = new Registry();
    expect(() => r.use(undefined as never)).toThrowError(PluginError);
    expect(() => r.use((() => 1) as never)).toThrowError(/Did you pass the factory without calling it/);
    expect(() => r.use({ kind: 'logger', name: 'x' } as never)).toThrowError(
      /missing or wrong handle \(function\)/,
    );
    expect(() => r.use({ kind: 'weird', name: 'x' } as never)).toThrowError(/"kind" must be one of/);
    expect(() => r.use({ kind: 'backend', name: '', priority: 1 } as never)).toThrowError(/no "name"/);
    r.use(backend('cpu', 1));
    expect(() => r.use(backend('cpu', 1))).toThrowError(/already registered/);
  });

  it('picks the highest-ranked available backend and falls back past a failing one with one warning', async () => {
    const warn = vi.fn();
    const node = backend('node', 3, { fails: true });
    const wasm = backend('wasm', 2);
    const cpu = backend('cpu', 1);
    const r = new Registry().use(cpu).use(node).use(wasm);
    expect(r.backends().map((b) => b.name)).toEqual(['node', 'wasm', 'cpu']);
    expect(await r.activateBackend('auto', { warn })).toBe('wasm');
    expect(warn).toHaveBeenCalledTimes(1);
    expect(warn.mock.calls[0]![0]).toMatch(/using backend "wasm".*node: node cannot load here/);
    expect(await r.activateBackend('cpu', { warn })).toBe('cpu');
    expect(cpu.activated).toBe(1);
  });

  it('a named backend that is missing or fails is a BackendUnavailableError', async () => {
    const r = new Registry().use(backend('node', 3, { fails: true }));
    await expect(r.activateBackend('wasm')).rejects.toThrowError(
      /Backend "wasm" is not registered. Registered: node/,
    );
    await expect(r.activateBackend('node')).rejects.toThrowError(BackendUnavailableError);
  });

  it('with no backend plugins, the tfjs backend already set is used', async () => {
    await tf.setBackend('cpu');
    expect(await new Registry().activateBackend()).toBe('cpu');
  });

  it('with no backend plugins, a tfjs backend not set is refused without starting its initialisation', async () => {
    await tf.setBackend('cpu');
    let calls = 0;
    // An asynchronously initialised tfjs backend (as wasm and webgpu are): tf.findBackend would start it.
    tf.registerBackend('slow-init', async () => {
      calls++;
      return tf.findBackend('cpu')!;
    });
    try {
      await expect(new Registry().activateBackend('slow-init')).rejects.toThrowError(BackendUnavailableError);
      expect(calls).toBe(0);
    } finally {
      tf.removeBackend('slow-init');
    }
  });

  it('chooses a file logger by extension for logPath', () => {
    const made: string[] = [];
    const lf = (ext: string): LogFilePlugin => ({
      kind: 'logFile',
      name: ext,
      extensions: [ext],
      create: (path) => {
        made.push(`${ext}:${path}`);
        return logger(path);
      },
    });
    const r = new Registry().use(lf('.csv')).use(lf('.jsonl'));
    r.logFileLogger('run.jsonl');
    r.logFileLogger('run.CSV');
    expect(made).toEqual(['.jsonl:run.jsonl', '.csv:run.CSV']);
    // Another extension no longer silently becomes the last logger: a ValidationError naming both.
    expect(() => r.logFileLogger('run.txt')).toThrowError(ValidationError);
    expect(() => r.logFileLogger('logs/run.log')).toThrowError(
      'logPath "logs/run.log" must end in .csv or .jsonl (the file loggers registered here); rename it, e.g. "logs/run.csv".',
    );
    expect(made).toHaveLength(2);
    expect(() => new Registry().logFileLogger('a.csv')).toThrowError(/needs a file logger/);
  });

  it('freeze() forbids use(); dispose() closes loggers and ends the registry', async () => {
    const closed: string[] = [];
    const r = new Registry().use({ ...logger('l'), close: () => void closed.push('l') });
    r.freeze();
    expect(() => r.use(logger('m'))).toThrowError(/frozen/);
    expect(() => r.child().use(logger('m'))).not.toThrow();
    await r.dispose();
    expect(closed).toEqual(['l']);
    expect(() => r.child()).toThrowError(/disposed/);
  });
});

describe('fallback warning', () => {
  it('is printed once per registry tree, not once per fit', async () => {
    const spy = vi.spyOn(console, 'warn').mockImplementation(() => {});
    const r = new Registry().use(backend('node', 3, { fails: true })).use(backend('cpu', 1));
    await r.activateBackend('auto');
    await r.child().activateBackend('auto');
    await r.activateBackend('auto');
    expect(spy).toHaveBeenCalledTimes(1);
    spy.mockRestore();
  });
});
