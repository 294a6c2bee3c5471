/** Smoke test of the quality bench's pieces (no training: the numbers live in `pnpm bench -- --only quality`). */
import { describe, expect, it } from 'vitest';
import {
  balancedSubset,
  type Cell,
  EPOCHS,
  parseQualityOptions,
  qualityMarkdown,
  RECIPES,
  summarise,
} from './quality.js';

describe('quality bench', () => {
  it('parses its options and refuses unknown recipes, labels and datasets', () => {
    const o = parseQualityOptions([
      '--',
      '--only',
      'quality',
      '--datasets',
      'mnist',
      '--seeds',
      '0,1',
      '--no-python',
    ]);
    expect([o.datasets, o.labels, o.seeds, o.recipes, o.python]).toEqual([
      ['mnist'],
      ['100', '1000', '5000', 'all'],
      [0, 1],
      ['random', 'sae', 'dsae', 'best'],
      false,
    ]);
    expect(parseQualityOptions(['--quick']).labels).toEqual(['100']);
    expect(() => parseQualityOptions(['--recipes', 'magic'])).toThrow(/recipes/);
    expect(() => parseQualityOptions(['--labels', '7'])).toThrow(/labels/);
    expect(() => parseQualityOptions(['--datasets', 'cifar'])).toThrow(/datasets/);
    expect(EPOCHS).toMatchObject({ '100': 200, '1000': 20, '5000': 10 });
    expect(RECIPES.random!.pretrain).toBeNull();
    expect(RECIPES.dsae!.pretrain!.noise).toBe(0.3);
  });

  it('draws class-balanced subsets, reproducibly per seed', () => {
    const y = Array.from({ length: 3000 }, (_, i) => (i * 7) % 10);
    const a = balancedSubset(y, 100, 0);
    expect(a).toHaveLength(100);
    for (let c = 0; c < 10; c++) expect(a.filter((i) => y[i] === c)).toHaveLength(10);
    expect(balancedSubset(y, 100, 0)).toEqual(a);
    expect(balancedSubset(y, 100, 1)).not.toEqual(a);
    expect(balancedSubset(y, Number.POSITIVE_INFINITY, 0)).toHaveLength(3000);
  });

  it('tables layerwise / PyTorch means ± sd and names gaps over 1 point', () => {
    const cells: Cell[] = [0.9, 0.92].flatMap((acc, seed) => [
      { side: 'layerwise', dataset: 'mnist', seed, recipe: 'random', labels: '1000', accuracy: acc },
      { side: 'pytorch', dataset: 'mnist', seed, recipe: 'random', labels: '1000', accuracy: acc - 0.03 },
    ]);
    const { table, gaps } = qualityMarkdown(
      cells,
      { datasets: ['mnist'], labels: ['1000'], recipes: ['random'], seeds: [0, 1] },
      EPOCHS,
    );
    expect(table.split('\n')[2]).toBe('| MNIST | 1,000 | 20 | 91.0 ± 1.4 / 88.0 ± 1.4 |');
    expect(gaps).toHaveLength(1);
    expect(summarise([])).toBe('—');
  });
});
