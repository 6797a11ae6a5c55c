import { test } from 'node:test';
import assert from 'node:assert/strict';
import { keepTypes, typeLabels } from '../../shared/method/type-view.ts';

test('typeLabels gives bare B/I a type and checks typed ones', () => {
  assert.deepEqual(typeLabels(['B', 'I', 'O', 'B-Gene'], 'Gene'), ['B-Gene', 'I-Gene', 'O', 'B-Gene']);
  assert.throws(
    () => typeLabels(['O', 'B-Disease'], 'Gene', 'teacher'),
    /teacher, token 2: 'B-Disease' is not of type Gene/,
  );
  assert.throws(() => typeLabels(['X'], 'Gene'), /'X' is not a label/);
});

test('keepTypes maps every other type to O', () => {
  const labels = ['B-Disease', 'I-Disease', 'B-Chemical', 'I-Chemical', 'O', 'B-Gene'];
  assert.deepEqual(keepTypes(labels, ['Disease']), ['B-Disease', 'I-Disease', 'O', 'O', 'O', 'O']);
  assert.deepEqual(keepTypes(labels, ['Chemical', 'Gene']), ['O', 'O', 'B-Chemical', 'I-Chemical', 'O', 'B-Gene']);
  assert.deepEqual(keepTypes(labels, []), ['O', 'O', 'O', 'O', 'O', 'O']);
});
