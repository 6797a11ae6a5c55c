// Documents to label, as the input formats give them, and their sentences of words with offsets.
//
// Raw text (plain text, JSON Lines, PubTator) is split into sentences and words here (shared/text); a CoNLL
// sentence keeps its tokens, written back as running text (detokenize) so its mentions have offsets too.
// Every parser names the file and line of what it refuses.
import { splitSentences } from '../text/sentences.ts';
import { detokenize, type Word } from '../text/words.ts';
import { errorMessage } from '../error-message.ts';

export interface Document {
  readonly id: string;
  readonly text: string;
  /** Where the document starts, "FILE:LINE", for messages. */
  readonly source: string;
  /** PubTator: the title's length; the abstract starts one character after it. Each part is split on its own. */
  readonly titleLength?: number;
  /** CoNLL: the input's tokens, one sentence, with offsets into `text`. Kept as given, never re-split. */
  readonly tokens?: readonly Word[];
}

/** Bad input: the message starts with FILE:LINE. */
export class InputError extends Error {
  override name = 'InputError';
}

/** The sentences of a document: its own tokens (CoNLL), else its text split (PubTator's title and abstract apart). */
export function documentSentences(doc: Document): (readonly Word[])[] {
  if (doc.tokens) return doc.tokens.length > 0 ? [doc.tokens] : [];
  const parts: [number, number][] =
    doc.titleLength === undefined
      ? [[0, doc.text.length]]
      : [
          [0, doc.titleLength],
          [Math.min(doc.titleLength + 1, doc.text.length), doc.text.length],
        ];
  return parts.flatMap(([from, to]) => splitSentences(doc.text, from, to).map((s) => s.words));
}

/** One JSON Lines record, {"id": string or number, "text": string}. */
export function jsonlDocument(line: string, where: string): Document {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch (e) {
    throw new InputError(`${where}: not JSON: ${errorMessage(e)}`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw new InputError(`${where}: expected an object {"id": …, "text": …}`);
  const { id, text } = value as { id?: unknown; text?: unknown };
  if (typeof text !== 'string') throw new InputError(`${where}: "text" must be a string`);
  if (typeof id !== 'string' && !(typeof id === 'number' && Number.isFinite(id)))
    throw new InputError(`${where}: "id" must be a string or a number`);
  return { id: String(id), text, source: where };
}

/** A CoNLL sentence: its tokens (the first column of each line), written back as text with their offsets. */
export function conllDocument(tokens: readonly string[], id: string, where: string): Document {
  const { text, words } = detokenize(tokens);
  return { id, text, source: where, tokens: words };
}

const PUBTATOR_TEXT = /^([^|\t]+)\|([ta])\|(.*)$/;

/**
 * PubTator, fed line by line: "PMID|t|title", "PMID|a|abstract", mention lines (PMID<TAB>start<TAB>…, dropped:
 * the model labels the text afresh), a blank line between documents. `push` returns a finished document, if any,
 * with `at`, the position given with its first line.
 */
export function pubtatorReader(file: string) {
  let current: { id: string; title?: string; abstract?: string; line: number; at: number } | null = null;
  const finish = (): { doc: Document; at: number } | undefined => {
    if (!current) return undefined;
    const { id, title = '', abstract, line, at } = current;
    current = null;
    const text = abstract === undefined ? title : `${title} ${abstract}`;
    return { doc: { id, text, source: `${file}:${line}`, titleLength: title.length }, at };
  };
  return {
    push(line: string, lineNumber: number, at: number): { doc: Document; at: number } | undefined {
      const where = `${file}:${lineNumber}`;
      if (line.trim() === '') return finish();
      const m = PUBTATOR_TEXT.exec(line);
      if (m) {
        const [, id, part, text] = m;
        const done = current && current.id !== id ? finish() : undefined;
        current ??= { id, line: lineNumber, at };
        if (part === 't') {
          if (current.title !== undefined) throw new InputError(`${where}: a second title for ${id}`);
          if (current.abstract !== undefined) throw new InputError(`${where}: the title of ${id} after its abstract`);
          current.title = text;
        } else {
          if (current.abstract !== undefined) throw new InputError(`${where}: a second abstract for ${id}`);
          current.abstract = text;
        }
        return done;
      }
      const columns = line.split('\t');
      if (current && columns[0] === current.id && columns.length >= 4) return undefined;
      throw new InputError(`${where}: expected PMID|t|title, PMID|a|abstract or a mention line of the document above`);
    },
    end: finish,
  };
}
