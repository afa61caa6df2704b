/**
 * cli/options.ts: the one reading of options that every command uses. The
 * empty string matters most: Number("") is 0, and `--noise "$SIGMA"` with
 * SIGMA unset must not mean "no noise".
 */
import { describe, expect, it, vi } from 'vitest';
import { numberOption, numberText, parseCommandArgs, usageError } from '../cli/options';

describe('parseCommandArgs', () => {
  const table = { out: { type: 'string' }, force: { type: 'boolean' } } as const;
  it('reads the options of the table', () => {
    expect(parseCommandArgs(['--out', 'x', '--force'], table)).toEqual({ out: 'x', force: true });
    expect(parseCommandArgs([], table)).toEqual({});
  });
  it('refuses unknown options and positional arguments', () => {
    expect(() => parseCommandArgs(['--outt', 'x'], table)).toThrow(/Unknown option '--outt'/);
    expect(() => parseCommandArgs(['x'], table)).toThrow(/Unexpected argument 'x'/);
  });
});

describe('usageError', () => {
  it("prints the command, the message and the usage text, and returns exit code 2", () => {
    const err = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    try {
      expect(usageError('synth', new Error('--out DIR is required'), 'Usage: sprint-gan synth')).toBe(2);
      expect(err).toHaveBeenCalledWith('sprint-gan synth: --out DIR is required\n\nUsage: sprint-gan synth');
    } finally {
      err.mockRestore();
    }
  });
});

describe('numberText', () => {
  it.each([
    ['64', 64],
    [' 1e-5 ', 1e-5],
    ['-0.5', -0.5],
    ['.3', 0.3],
    ['5.', 5],
    ['+2E3', 2000],
    ['0', 0],
    ['1.16107', 1.16107],
  ])('reads %j as %d', (text, value) => {
    expect(numberText(text)).toBe(value);
  });

  it.each(['', ' ', '0x10', '0b11', '1_000', '1,5', '5abc', 'e5', '.', '-', '1e', 'NaN', 'Infinity', 'inf', '1 2'])(
    'refuses %j',
    (text) => {
      expect(numberText(text)).toBeNull();
    },
  );

  it('reads inf and infinity only where allowed, and never -inf', () => {
    expect(numberText('inf', true)).toBe(Infinity);
    expect(numberText(' Infinity', true)).toBe(Infinity);
    expect(numberText('+INF', true)).toBe(Infinity);
    expect(numberText('-inf', true)).toBeNull();
    expect(numberText('2', true)).toBe(2);
  });
});

describe('numberOption', () => {
  it('passes an absent option through as undefined', () => {
    expect(numberOption('seed', undefined, { integer: true, min: 0 })).toBeUndefined();
  });

  it('returns values that keep the rules', () => {
    expect(numberOption('n', '6000', { integer: true, min: 1 })).toBe(6000);
    expect(numberOption('seed', '0', { integer: true, min: 0 })).toBe(0);
    expect(numberOption('clip', 'inf', { infinity: true })).toBe(Infinity);
    expect(numberOption('lr', '2e-5')).toBe(2e-5);
    expect(numberOption('x', '-3', { min: -3 })).toBe(-3);
  });

  it.each([
    ['noise', '', {}, "--noise: expected a number, got ''"],
    ['noise', '  ', {}, "--noise: expected a number, got '  '"],
    ['clip', 'none', { infinity: true }, "--clip: expected a number or 'inf', got 'none'"],
    ['lr', 'inf', {}, "--lr: expected a number, got 'inf'"],
    ['seed', '1.5', { integer: true, min: 0 }, "--seed: expected a non-negative integer, got '1.5'"],
    ['seed', '-1', { integer: true, min: 0 }, "--seed: expected a non-negative integer, got '-1'"],
    ['n', '0', { integer: true, min: 1 }, "--n: expected a positive integer, got '0'"],
    ['n', '0x10', { integer: true, min: 1 }, "--n: expected a positive integer, got '0x10'"],
    ['k', '1', { integer: true, min: 2 }, "--k: expected an integer >= 2, got '1'"],
    ['k', '2.5', { integer: true }, "--k: expected an integer, got '2.5'"],
    ['k', 'inf', { integer: true, infinity: true }, "--k: expected an integer, got 'inf'"],
    ['rate', '-0.1', { min: 0 }, "--rate: expected a number >= 0, got '-0.1'"],
  ] as [string, string, Parameters<typeof numberOption>[2], string][])('--%s %j with %j: %s', (name, text, rules, message) => {
    expect(() => numberOption(name, text, rules)).toThrow(message);
  });
});
