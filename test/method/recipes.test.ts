import assert from 'node:assert/strict';
import test from 'node:test';
import { FROM_SCRATCH_RECIPES, fromScratchRecipe } from '../../shared/method/recipes.ts';

test('from scratch: presets trained together get the gentlest recipe any of them needs', () => {
  assert.deepEqual(fromScratchRecipe(['micro']), FROM_SCRATCH_RECIPES.micro);
  // Tiny diverges at Micro's lr 2e-3 (recipes.ts): with both, both get Tiny's.
  assert.deepEqual(fromScratchRecipe(['micro', 'tiny', 'micro']), FROM_SCRATCH_RECIPES.tiny);
  assert.deepEqual(fromScratchRecipe(['tiny', 'base']), FROM_SCRATCH_RECIPES.base);
  assert.deepEqual(fromScratchRecipe([]), FROM_SCRATCH_RECIPES.tiny);
  // The larger the preset, the smaller its step.
  const lrs = (['micro', 'tiny', 'distil', 'base', 'large'] as const).map((p) => FROM_SCRATCH_RECIPES[p].lr);
  assert.deepEqual(
    [...lrs].sort((a, b) => b - a),
    lrs,
  );
});
