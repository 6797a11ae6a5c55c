import { test } from 'node:test';
import assert from 'node:assert/strict';
import { agreementMatrix, type Labelling } from '../../shared/method/agreement.ts';

const close = (actual: number | null, expected: number) =>
  assert.ok(actual !== null && Math.abs(actual - expected) < 1e-12, `${actual} ≠ ${expected}`);

// Eight tokens of a disease corpus.
const gt: Labelling = { name: 'ground truth', covers: ['Disease'], labels: ['B', 'I', 'O', 'O', 'B', 'O', 'O', 'O'] };
const diseaseTeacher: Labelling = {
  name: 'teacher Disease',
  covers: ['Disease'],
  labels: ['B', 'I', 'O', 'O', 'O', 'O', 'B', 'O'],
};
const chemicalTeacher: Labelling = {
  name: 'teacher Chemical',
  covers: ['Chemical'],
  labels: ['O', 'O', 'B', 'O', 'O', 'O', 'O', 'B'],
};
const student: Labelling = {
  name: 'student',
  covers: ['Disease', 'Chemical'],
  labels: ['B-Disease', 'I-Disease', 'B-Chemical', 'O', 'B-Disease', 'O', 'O', 'B-Chemical'],
};

test('kappa matrix with the footnote rule, by hand', () => {
  const m = agreementMatrix([gt, diseaseTeacher, student, chemicalTeacher]);
  assert.deepEqual(m.names, ['ground truth', 'teacher Disease', 'student', 'teacher Chemical']);
  // Ground truth vs disease teacher: agree on 6 of 8 tokens, p_o = 3/4; both have B 2, I 1, O 5, so
  // p_e = (2·2 + 1·1 + 5·5)/64 = 15/32; kappa = (3/4 − 15/32)/(1 − 15/32) = 9/17.
  close(m.matrix[0][1], 9 / 17);
  // The student's chemicals become O against the ground truth: it then equals the ground truth.
  close(m.matrix[0][2], 1);
  // Disease teacher vs student (on Disease): the student's disease view equals the ground truth, so 9/17 again.
  close(m.matrix[1][2], 9 / 17);
  // Chemical teacher vs student (on Chemical): the same chemicals.
  close(m.matrix[2][3], 1);
  // No type in common: nothing to compare.
  assert.equal(m.matrix[0][3], null);
  assert.equal(m.matrix[1][3], null);
  for (let i = 0; i < 4; i++) {
    close(m.matrix[i][i], 1);
    for (let j = 0; j < 4; j++) assert.equal(m.matrix[i][j], m.matrix[j][i]);
  }
  assert.deepEqual(m.comparedOn[2][3], ['Chemical']);
  assert.deepEqual(m.comparedOn[2][2], ['Disease', 'Chemical']);
  assert.deepEqual(m.comparedOn[0][3], []);
});

test('two multi-type models are compared on all the types they share', () => {
  const other: Labelling = {
    ...student,
    name: 'other',
    labels: ['B-Disease', 'I-Disease', 'O', 'O', 'B-Disease', 'O', 'O', 'B-Chemical'],
  };
  // Agree on 7 of 8. Student: B-Disease 2, I-Disease 1, B-Chemical 2, O 3; other: 2, 1, 1, 4.
  // p_e = (4 + 1 + 2 + 12)/64 = 19/64; kappa = (7/8 − 19/64)/(1 − 19/64) = (37/64)/(45/64) = 37/45.
  close(agreementMatrix([student, other]).matrix[0][1], 37 / 45);
});

test("labels outside a labelling's coverage are refused", () => {
  const wrong: Labelling = {
    name: 'student',
    covers: ['Disease', 'Chemical'],
    labels: ['B-Gene', 'O', 'O', 'O', 'O', 'O', 'O', 'O'],
  };
  assert.throws(() => agreementMatrix([gt, wrong]), /student, token 1: 'B-Gene' is not of a type it covers/);
  const bare: Labelling = { ...wrong, labels: ['B', 'O', 'O', 'O', 'O', 'O', 'O', 'O'] };
  assert.throws(() => agreementMatrix([gt, bare]), /'B' is not of a type it covers/);
  assert.throws(
    () => agreementMatrix([gt, { ...gt, covers: ['Chemical'], name: 'x', labels: ['B-Disease'] }]),
    /not of type Chemical/,
  );
  assert.throws(
    () => agreementMatrix([gt, { ...diseaseTeacher, labels: ['O'] }]),
    /labels 8 tokens, teacher Disease 1/,
  );
  assert.throws(() => agreementMatrix([gt, gt]), /names must differ/);
  assert.throws(() => agreementMatrix([{ ...gt, covers: [] }]), /covers no entity type/);
});
