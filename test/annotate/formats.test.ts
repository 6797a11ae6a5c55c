// Input parsers and output writers of annotate (shared/annotate), on hand-made documents.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  conllDocument,
  documentSentences,
  jsonlDocument,
  pubtatorReader,
  type Document,
} from '../../shared/annotate/documents.ts';
import {
  bratFiles,
  conllBlock,
  csvRows,
  fileNameOf,
  jsonlRecord,
  pubtatorBlock,
  type Labelled,
} from '../../shared/annotate/formats.ts';
import { sentenceMentions } from '../../shared/annotate/mentions.ts';

/** Labels a document's words with `labels` (one per word, all sentences in a row) and a score per word. */
function labelled(doc: Document, labels: string[], scores: number[]): Labelled {
  let at = 0;
  const sentences = documentSentences(doc).map((words) => {
    const s = { words, labels: labels.slice(at, at + words.length), scores: scores.slice(at, at + words.length) };
    at += words.length;
    return s;
  });
  assert.equal(at, labels.length, 'one label per word');
  return { doc, sentences, mentions: sentences.flatMap((s) => sentenceMentions(doc.text, s)) };
}

test('mentions: lenient IOB2 spans with offsets, the mean probability of their labels as score', () => {
  const doc: Document = { id: 'd', text: 'Ataxia-telangiectasia (A-T) is rare.', source: 'x:1' };
  // Ataxia - telangiectasia ( A - T ) is rare .
  const l = labelled(
    doc,
    ['B-Disease', 'I-Disease', 'I-Disease', 'O', 'I-Disease', 'I-Disease', 'I-Disease', 'O', 'O', 'O', 'O'],
    [0.9, 0.8, 0.7, 1, 0.5, 0.5, 0.8, 1, 1, 1, 1],
  );
  assert.deepEqual(
    l.mentions.map((m) => [m.text, m.start, m.end, m.type, Number(m.score.toFixed(6))]),
    [
      ['Ataxia-telangiectasia', 0, 21, 'Disease', 0.8],
      ['A-T', 23, 26, 'Disease', 0.6],
    ],
  );
  assert.equal(
    jsonlRecord(l),
    '{"id":"d","text":"Ataxia-telangiectasia (A-T) is rare.","entities":[{"start":0,"end":21,"type":"Disease","text":"Ataxia-telangiectasia","score":0.8},{"start":23,"end":26,"type":"Disease","text":"A-T","score":0.6}]}\n',
  );
  assert.equal(
    csvRows({ ...l, doc: { ...doc, id: 'a,"b"' } }).split('\n')[0],
    '"a,""b""",0,21,Disease,Ataxia-telangiectasia,0.8',
  );
  assert.equal(conllBlock(l).split('\n').slice(0, 4).join('|'), '-DOCSTART- d||Ataxia\tB-Disease|-\tI-Disease');
  assert.equal(
    pubtatorBlock(l),
    'd|t|\nd|a|Ataxia-telangiectasia (A-T) is rare.\nd\t1\t22\tAtaxia-telangiectasia\tDisease\nd\t24\t27\tA-T\tDisease\n\n',
  );
});

test('brat counts offsets in code points and cuts a mention at line breaks into fragments', () => {
  const doc: Document = { id: 'x/y', text: '😀 beta\ncell tumour', source: 'x:1' };
  const l = labelled(doc, ['O', 'B-Disease', 'I-Disease', 'I-Disease'], [1, 0.5, 0.5, 0.5]);
  assert.equal(l.mentions[0].text, 'beta\ncell tumour');
  const { ann, txt } = bratFiles(l);
  assert.equal(txt, doc.text);
  assert.equal(ann, 'T1\tDisease 2 6;7 18\tbeta cell tumour\n#1\tAnnotatorNotes T1\tscore 0.5\n');
  assert.equal(fileNameOf('x/y'), 'x_y');
  assert.equal(fileNameOf('..'), '_');
});

test('JSON Lines records are checked, naming file:line', () => {
  assert.deepEqual(jsonlDocument('{"id": 7, "text": "T"}', 'f:1'), { id: '7', text: 'T', source: 'f:1' });
  assert.throws(() => jsonlDocument('{"id": 7', 'f:2'), /^InputError: f:2: not JSON/);
  assert.throws(() => jsonlDocument('[1]', 'f:3'), /f:3: expected an object/);
  assert.throws(() => jsonlDocument('{"text": "T"}', 'f:4'), /f:4: "id" must be a string or a number/);
});

test('PubTator: title and abstract split apart, mention lines dropped, errors at file:line', () => {
  const r = pubtatorReader('p.txt');
  const lines = [
    '1|t|Title without stop',
    '1|a|First sentence. Second one.',
    '1\t0\t5\tTitle\tDisease\tD1',
    '',
    '2|t|Only a title.',
    '',
  ];
  const docs = lines.map((line, i) => r.push(line, i + 1, i * 10)).filter((d) => d !== undefined);
  assert.deepEqual(
    docs.map((d) => [d!.doc.id, d!.at, d!.doc.source]),
    [
      ['1', 0, 'p.txt:1'],
      ['2', 40, 'p.txt:5'],
    ],
  );
  assert.equal(docs[0]!.doc.text, 'Title without stop First sentence. Second one.');
  assert.deepEqual(
    documentSentences(docs[0]!.doc).map((s) => s.map((w) => w.text).join(' ')),
    ['Title without stop', 'First sentence .', 'Second one .'],
  );
  assert.throws(() => pubtatorReader('p.txt').push('junk', 3, 0), /p\.txt:3: expected PMID\|t\|title/);
  const twice = pubtatorReader('p.txt');
  twice.push('1|t|A', 1, 0);
  assert.throws(() => twice.push('1|t|B', 2, 0), /p\.txt:2: a second title for 1/);
});

test('CoNLL documents keep their tokens, with offsets into the text written from them', () => {
  const doc = conllDocument(['IL', '-', '2', '(', 'p', '<', '0', '.', '05', ')'], 'c:1', 'c:1');
  assert.equal(doc.text, 'IL-2 (p < 0.05)');
  assert.deepEqual(
    documentSentences(doc)[0].map((w) => doc.text.slice(w.start, w.end)),
    ['IL', '-', '2', '(', 'p', '<', '0', '.', '05', ')'],
  );
  const l = labelled(doc, ['B-Gene', 'I-Gene', 'I-Gene', 'O', 'O', 'O', 'O', 'O', 'O', 'O'], new Array(10).fill(1));
  assert.equal(conllBlock(l), 'IL\tB-Gene\n-\tI-Gene\n2\tI-Gene\n(\tO\np\tO\n<\tO\n0\tO\n.\tO\n05\tO\n)\tO\n\n');
});
