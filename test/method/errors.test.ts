import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Sentence } from '../../shared/corpus/types.ts';
import { analyseErrors, categoriseGold } from '../../shared/method/errors.ts';
import { ERROR_CATEGORIES } from '../../shared/store-types.ts';
import { seededRandom } from '../../shared/random.ts';

// A gene corpus (type Gene): one sentence of gold labels and one of predicted labels (any types).
const sentence = (labels: string[], line = 1): Sentence => ({ tokens: labels.map((_, i) => `w${i}`), labels, line });
/** The categories counted on one sentence, those above zero only. */
function counted(gold: string[], pred: string[], type = 'Gene') {
  const { counts } = analyseErrors([sentence(gold)], type, [pred]);
  return Object.fromEntries(Object.entries(counts).filter(([, n]) => n > 0));
}

test('Table VII: "estrogen receptor" predicted as a chemical then a gene is WLRS', () => {
  const tokens =
    'Effects of long-term use of raloxifene , a selective estrogen receptor modulator , on thyroid function'.split(' ');
  const gold = tokens.map((t) => (t === 'estrogen' ? 'B' : t === 'receptor' ? 'I' : 'O'));
  const pred = tokens.map((t) =>
    t === 'raloxifene' || t === 'estrogen' ? 'B-Chemical' : t === 'receptor' ? 'B-Gene' : 'O',
  );
  const r = analyseErrors([{ tokens, labels: gold, line: 7 }], 'Gene', [pred]);
  // raloxifene, a chemical the gene corpus does not annotate, is NEW.
  assert.deepEqual(r.counts, { CORRECT: 0, NEW: 1, CFP: 0, CFN: 0, WLRS: 1, WLOS: 0, RLOS: 0 });
  assert.equal(r.goldMentions, 1);
});

test('exact span: CORRECT with type T, WLRS with another type', () => {
  assert.deepEqual(counted(['O', 'B', 'I', 'O'], ['O', 'B-Gene', 'I-Gene', 'O']), { CORRECT: 1 });
  assert.deepEqual(counted(['O', 'B', 'I', 'O'], ['O', 'B-Chemical', 'I-Chemical', 'O']), { WLRS: 1 });
});

test('tiling: pieces covering exactly the gold span are WLRS with another type in them, else RLOS', () => {
  const gold = ['B', 'I', 'I', 'O'];
  assert.deepEqual(counted(gold, ['B-Chemical', 'B-Gene', 'I-Gene', 'O']), { WLRS: 1 });
  assert.deepEqual(counted(gold, ['B-Chemical', 'B-Chemical', 'B-Disease', 'O']), { WLRS: 1 });
  // Right type, cut in pieces: the span is wrong, the label right.
  assert.deepEqual(counted(gold, ['B-Gene', 'B-Gene', 'I-Gene', 'O']), { RLOS: 1 });
});

test('not a tiling: a piece reaching outside, or a token left uncovered', () => {
  const gold = ['O', 'B', 'I', 'I', 'O'];
  // reaching outside: RLOS when some piece has type T, else WLOS
  assert.deepEqual(counted(gold, ['B-Chemical', 'I-Chemical', 'B-Gene', 'I-Gene', 'O']), { RLOS: 1 });
  assert.deepEqual(counted(gold, ['O', 'B-Chemical', 'B-Disease', 'I-Disease', 'I-Disease']), { WLOS: 1 });
  // a gap in the middle
  assert.deepEqual(counted(gold, ['O', 'B-Chemical', 'O', 'B-Gene', 'O']), { RLOS: 1 });
  assert.deepEqual(counted(gold, ['O', 'B-Chemical', 'O', 'B-Chemical', 'O']), { WLOS: 1 });
});

test('partial overlaps: cut short or run over', () => {
  const gold = ['O', 'B', 'I', 'O'];
  assert.deepEqual(counted(gold, ['O', 'B-Gene', 'O', 'O']), { RLOS: 1 });
  assert.deepEqual(counted(gold, ['B-Gene', 'I-Gene', 'I-Gene', 'I-Gene']), { RLOS: 1 });
  assert.deepEqual(counted(gold, ['O', 'O', 'B-Disease', 'I-Disease']), { WLOS: 1 });
  assert.deepEqual(counted(gold, ['B-Disease', 'I-Disease', 'I-Disease', 'O']), { WLOS: 1 });
});

test('a prediction spanning two gold mentions counts in each, and is no CFP', () => {
  const gold = ['B', 'I', 'O', 'B', 'O'];
  assert.deepEqual(counted(gold, ['B-Gene', 'I-Gene', 'I-Gene', 'I-Gene', 'O']), { RLOS: 2 });
  assert.deepEqual(counted(gold, ['B-Chemical', 'I-Chemical', 'I-Chemical', 'I-Chemical', 'O']), { WLOS: 2 });
});

test('adjacent gold mentions (B I B) are two mentions', () => {
  const gold = ['B', 'I', 'B', 'O'];
  assert.deepEqual(counted(gold, ['B-Gene', 'I-Gene', 'B-Gene', 'O']), { CORRECT: 2 });
  assert.deepEqual(counted(gold, ['B-Gene', 'I-Gene', 'B-Chemical', 'O']), { CORRECT: 1, WLRS: 1 });
  // merged into one prediction: each is overlapped by a prediction reaching outside it
  assert.deepEqual(counted(gold, ['B-Gene', 'I-Gene', 'I-Gene', 'O']), { RLOS: 2 });
});

test('nothing overlapping: CFN for the gold mention, CFP or NEW for the prediction', () => {
  // [0, 2) and [2, 3) share no token: adjacent is not overlapping.
  assert.deepEqual(counted(['B', 'I', 'O', 'O'], ['O', 'O', 'B-Gene', 'B-Disease']), { CFN: 1, CFP: 1, NEW: 1 });
  assert.deepEqual(counted(['O', 'O'], ['O', 'O']), {});
});

test('untyped B/I gold reads as typed B-T/I-T gold', () => {
  const pred = ['B-Gene', 'B-Chemical', 'I-Gene', 'O', 'I-Gene', 'B-Disease'];
  assert.deepEqual(
    counted(['B', 'I', 'I', 'O', 'B', 'O'], pred),
    counted(['B-Gene', 'I-Gene', 'I-Gene', 'O', 'B-Gene', 'O'], pred),
  );
});

test('lenient chunking (seqeval default): a stray I- starts an entity, a type change splits one', () => {
  assert.deepEqual(counted(['O', 'B', 'I'], ['O', 'I-Gene', 'I-Gene']), { CORRECT: 1 });
  // gold stray I after O, too
  assert.deepEqual(counted(['O', 'I', 'I'], ['O', 'B-Gene', 'I-Gene']), { CORRECT: 1 });
  // B-Chemical I-Gene is two entities: chemical [0, 1), gene [1, 2), which tile the gold mention
  assert.deepEqual(counted(['B', 'I'], ['B-Chemical', 'I-Gene']), { WLRS: 1 });
});

test('the gold categories partition the gold mentions, whatever is predicted', () => {
  // Random gold and predicted labellings of random sentences, with a fixed seed.
  const random = seededRandom(8);
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(random() * xs.length)];
  const goldLabels = ['O', 'O', 'B', 'I'];
  const predLabels = ['O', 'O', 'B-Gene', 'I-Gene', 'B-Chemical', 'I-Chemical', 'I-Disease'];
  const sentences = Array.from({ length: 200 }, (_, s) =>
    sentence(
      Array.from({ length: 1 + Math.floor(random() * 12) }, () => pick(goldLabels)),
      s + 1,
    ),
  );
  const predict = () => sentences.map((x) => x.tokens.map(() => pick(predLabels)));
  const results = [
    predict(),
    predict(),
    sentences.map((x) => x.labels.map((l) => (l === 'O' ? 'O' : `${l}-Gene`))),
  ].map((p) => analyseErrors(sentences, 'Gene', p));
  for (const { counts, goldMentions } of results) {
    assert.equal(counts.CORRECT + counts.CFN + counts.WLRS + counts.WLOS + counts.RLOS, goldMentions);
    for (const c of ERROR_CATEGORIES) assert.ok(counts[c] >= 0);
  }
  assert.equal(results[0].goldMentions, results[1].goldMentions);
  assert.ok(results[0].goldMentions > 100);
  // the gold itself, predicted: every mention CORRECT, nothing else
  assert.deepEqual(results[2].counts, {
    CORRECT: results[2].goldMentions,
    NEW: 0,
    CFP: 0,
    CFN: 0,
    WLRS: 0,
    WLOS: 0,
    RLOS: 0,
  });
});

test('categoriseGold follows the rule in its order', () => {
  const g = { type: 'Gene', start: 2, end: 5 };
  assert.equal(categoriseGold(g, [], 'Gene'), 'CFN');
  assert.equal(categoriseGold(g, [{ type: 'Gene', start: 2, end: 5 }], 'Gene'), 'CORRECT');
  assert.equal(categoriseGold(g, [{ type: 'Disease', start: 2, end: 5 }], 'Gene'), 'WLRS');
  assert.equal(
    categoriseGold(
      g,
      [
        { type: 'Gene', start: 2, end: 3 },
        { type: 'Gene', start: 3, end: 5 },
      ],
      'Gene',
    ),
    'RLOS',
  );
  assert.equal(categoriseGold(g, [{ type: 'Disease', start: 1, end: 3 }], 'Gene'), 'WLOS');
  assert.equal(
    categoriseGold(
      g,
      [
        { type: 'Disease', start: 1, end: 3 },
        { type: 'Gene', start: 3, end: 5 },
      ],
      'Gene',
    ),
    'RLOS',
  );
});

test('examples: each category with its sentence, the mention it is about and all mentions; capped per category', () => {
  const sentences = [sentence(['B', 'I', 'O', 'B'], 1), sentence(['O', 'B', 'O'], 6), sentence(['B', 'O'], 10)];
  const predictions = [
    ['B-Gene', 'I-Gene', 'B-Disease', 'O'], // CORRECT, CFN, NEW
    ['B-Gene', 'I-Gene', 'O'], // RLOS
    ['B-Gene', 'O'], // CORRECT
  ];
  const r = analyseErrors(sentences, 'Gene', predictions, { examplesPerCategory: 1 });
  assert.deepEqual(r.counts, { CORRECT: 2, NEW: 1, CFP: 0, CFN: 1, WLRS: 0, WLOS: 0, RLOS: 1 });
  assert.deepEqual(
    r.examples.map((e) => [e.category, e.sentence, e.line, e.mention]),
    [
      ['CORRECT', 0, 1, { type: 'Gene', start: 0, end: 2 }],
      ['CFN', 0, 1, { type: 'Gene', start: 3, end: 4 }],
      ['NEW', 0, 1, { type: 'Disease', start: 2, end: 3 }],
      ['RLOS', 1, 6, { type: 'Gene', start: 1, end: 2 }],
    ],
  );
  const first = r.examples[0];
  assert.deepEqual(first.tokens, ['w0', 'w1', 'w2', 'w3']);
  assert.deepEqual(first.gold, [
    { type: 'Gene', start: 0, end: 2 },
    { type: 'Gene', start: 3, end: 4 },
  ]);
  assert.deepEqual(first.predicted, [
    { type: 'Gene', start: 0, end: 2 },
    { type: 'Disease', start: 2, end: 3 },
  ]);
});

test('bad input is refused with a clear message', () => {
  const sentences = [sentence(['B', 'O'], 1), sentence(['O'], 4)];
  assert.throws(() => analyseErrors(sentences, 'Gene', [['O', 'O']]), /2 sentences, but 1 predicted/);
  assert.throws(() => analyseErrors(sentences, 'Gene', [['O'], ['O']]), /sentence 1 \(line 1\): 2 tokens, but 1/);
  assert.throws(() => analyseErrors(sentences, 'Gene', [['B', 'O'], ['O']]), /bare B\/I/);
  assert.throws(
    () => analyseErrors([sentence(['B-Disease'], 4)], 'Gene', [['O']]),
    /line 4\), token 1: 'B-Disease' is not of type Gene/,
  );
});
