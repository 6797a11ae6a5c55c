// A labelled document written in each output format. Every writer is a pure function of the document, so the
// same document always gives the same bytes (one worker or many, one shard or all).
import type { Document } from './documents.ts';
import type { LabelledSentence, Mention } from './mentions.ts';

export const OUTPUT_FORMATS = ['jsonl', 'conll', 'pubtator', 'csv', 'brat'] as const;
export type OutputFormat = (typeof OUTPUT_FORMATS)[number];
/** Each output format as the window names it. */
export const OUTPUT_FORMAT_NAMES: Record<OutputFormat, string> = {
  jsonl: 'JSON Lines',
  conll: 'CoNLL',
  pubtator: 'PubTator',
  csv: 'CSV',
  brat: 'brat',
};

export interface Labelled {
  readonly doc: Document;
  readonly sentences: readonly LabelledSentence[];
  readonly mentions: readonly Mention[];
}

/** Scores as written: four decimals. */
const score = (x: number) => Number(x.toFixed(4));

/** {"id", "text", "entities": [{"start", "end", "type", "text", "score"}]} on one line. */
export function jsonlRecord({ doc, mentions }: Labelled): string {
  const entities = mentions.map((m) => ({
    start: m.start,
    end: m.end,
    type: m.type,
    text: m.text,
    score: score(m.score),
  }));
  return JSON.stringify({ id: doc.id, text: doc.text, entities }) + '\n';
}

/**
 * TOKEN<TAB>LABEL lines, a blank line after each sentence. A CoNLL input's sentence comes back as it was; a text
 * document is introduced by a "-DOCSTART- ID" line (which CoNLL readers, ours included, skip).
 */
export function conllBlock({ doc, sentences }: Labelled): string {
  const body = sentences.map((s) => s.words.map((w, i) => `${w.text}\t${s.labels[i]}\n`).join('') + '\n').join('');
  return doc.tokens ? body : `-DOCSTART- ${doc.id}\n\n${body}`;
}

/** Line breaks as spaces: the same length, so offsets hold. */
const oneLine = (text: string) => text.replace(/[\r\n]/g, ' ');

/**
 * PMID|t|title, PMID|a|abstract, then PMID<TAB>start<TAB>end<TAB>mention<TAB>type, offsets over title + one
 * character + abstract as PubTator counts them. A document that had no title is written as an empty title and
 * the text as its abstract (its offsets then count that one character).
 */
export function pubtatorBlock({ doc, mentions }: Labelled): string {
  const titled = doc.titleLength !== undefined;
  const title = titled ? doc.text.slice(0, doc.titleLength) : '';
  const abstract = titled ? doc.text.slice(doc.titleLength! + 1) : doc.text;
  const shift = titled ? 0 : 1;
  const lines = [`${doc.id}|t|${oneLine(title)}`, `${doc.id}|a|${oneLine(abstract)}`];
  for (const m of mentions)
    lines.push(`${doc.id}\t${m.start + shift}\t${m.end + shift}\t${oneLine(m.text)}\t${m.type}`);
  return lines.join('\n') + '\n\n';
}

export const CSV_HEADER = 'document,start,end,type,text,score\n';

/** A field quoted when it needs to be (RFC 4180). */
const csvField = (value: string) => (/[",\r\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value);

export function csvRows({ doc, mentions }: Labelled): string {
  return mentions
    .map(
      (m) => [doc.id, m.start, m.end, m.type, m.text, score(m.score)].map((v) => csvField(String(v))).join(',') + '\n',
    )
    .join('');
}

/** Code points before each UTF-16 offset: brat counts offsets in characters as Python does. */
function codePointOffsets(text: string): (offset: number) => number {
  let astral = 0;
  const before: number[] = [];
  for (let i = 0; i <= text.length; i++) {
    before.push(i - astral);
    const c = text.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < text.length) {
      before.push(i + 1 - astral);
      astral++;
      i++;
    }
  }
  return (offset) => before[offset];
}

/**
 * brat standoff: the text as `ID.txt`, and `ID.ann` with one text-bound annotation per mention (split into
 * fragments at line breaks, as brat requires) and its score as an annotator note.
 */
export function bratFiles({ doc, mentions }: Labelled): { txt: string; ann: string } {
  const at = codePointOffsets(doc.text);
  const lines: string[] = [];
  mentions.forEach((m, i) => {
    const fragments: string[] = [];
    let from = m.start;
    for (const part of m.text.split('\n')) {
      const start = from + (part.length - part.trimStart().length);
      const end = from + part.trimEnd().length;
      if (end > start) fragments.push(`${at(start)} ${at(end)}`);
      from += part.length + 1;
    }
    lines.push(`T${i + 1}\t${m.type} ${fragments.join(';')}\t${oneLine(m.text)}`);
    lines.push(`#${i + 1}\tAnnotatorNotes T${i + 1}\tscore ${score(m.score)}`);
  });
  return { txt: doc.text, ann: lines.map((l) => l + '\n').join('') };
}

/** A document id as a file name: characters a file system may refuse become '_'. */
export function fileNameOf(id: string): string {
  const safe = id.replace(/[^\p{L}\p{N}._-]/gu, '_').replace(/^\.+/, '_');
  return safe === '' ? '_' : safe.slice(0, 120);
}

/** A text labelled by a model (annotate:text): its sentences, words, labels and mentions, and the model's types. */
export interface TextAnnotation {
  modelId: number;
  modelName: string;
  /** The entity types the model labels, in the order of its labels. */
  types: string[];
  labelled: Labelled;
}

/** A folder being labelled in the background (annotate:folder): how far it is, and how it ended. */
export interface FolderProgress {
  jobId: number;
  status: 'running' | 'done' | 'cancelled' | 'failed';
  documents: number;
  /** Share of the input bytes done, 0 to 1. */
  share: number;
  etaSeconds: number | null;
  /** Where the output goes: a file, or a folder for brat. */
  output: string;
  error?: string;
}
