// Entity chunking, as seqeval does it (chakki-works/seqeval).
//   'lenient': seqeval's default (conlleval chunking, get_entities / end_of_chunk / start_of_chunk): an I-X after O
//              or after another type starts an entity, and a type change inside a span (B-A I-B) splits it in two.
//              Reads E- and S- as seqeval does, so BIOES labels chunk too.
//   'strict':  seqeval mode='strict', scheme=IOB2: an entity is B-X followed by I-X tokens; a stray I- makes none.
// seqeval joins a corpus's sentences with an O between them; an O ends every chunk, so chunking each sentence on
// its own gives the same entities.
import { parseLabel } from '../corpus/labels.ts';

export type EntityMode = 'lenient' | 'strict';
export const ENTITY_MODES: readonly EntityMode[] = ['lenient', 'strict'];

/** An entity: its type and token span [start, end) within its sentence. */
export interface Entity {
  type: string;
  start: number;
  end: number;
}

function split(label: string): { tag: string; type: string } {
  const p = parseLabel(label);
  if (!p) throw new Error(`not a label: '${label}'`);
  return { tag: p.prefix === 'L' ? 'E' : p.prefix === 'U' ? 'S' : p.prefix, type: p.type };
}

// seqeval's end_of_chunk: did a chunk end between the previous token and this one?
function endOfChunk(prevTag: string, tag: string, prevType: string, type: string): boolean {
  if (prevTag === 'E' || prevTag === 'S') return true;
  if ((prevTag === 'B' || prevTag === 'I') && (tag === 'B' || tag === 'S' || tag === 'O')) return true;
  return prevTag !== 'O' && prevType !== type;
}

// seqeval's start_of_chunk: does a chunk start at this token?
function startOfChunk(prevTag: string, tag: string, prevType: string, type: string): boolean {
  if (tag === 'B' || tag === 'S') return true;
  if ((prevTag === 'E' || prevTag === 'S' || prevTag === 'O') && (tag === 'E' || tag === 'I')) return true;
  return tag !== 'O' && prevType !== type;
}

function lenientEntities(labels: readonly string[]): Entity[] {
  const found: Entity[] = [];
  let prev = { tag: 'O', type: '' };
  let begin = 0;
  // One O past the end closes the last chunk, as in seqeval.
  for (let i = 0; i <= labels.length; i++) {
    const cur = split(i < labels.length ? labels[i] : 'O');
    if (endOfChunk(prev.tag, cur.tag, prev.type, cur.type)) found.push({ type: prev.type, start: begin, end: i });
    if (startOfChunk(prev.tag, cur.tag, prev.type, cur.type)) begin = i;
    prev = cur;
  }
  return found;
}

function strictEntities(labels: readonly string[]): Entity[] {
  const found: Entity[] = [];
  const tags = labels.map(split);
  for (let i = 0; i < tags.length; i++) {
    const { tag, type } = tags[i];
    if (tag !== 'B' && tag !== 'I' && tag !== 'O') {
      throw new Error(`strict mode reads IOB2 labels only, got '${labels[i]}'`);
    }
    if (tag !== 'B') continue;
    let end = i + 1;
    while (end < tags.length && tags[end].tag === 'I' && tags[end].type === type) end++;
    found.push({ type, start: i, end });
    i = end - 1;
  }
  return found;
}

/** The entities in one sentence's labels. */
export function entities(labels: readonly string[], mode: EntityMode): Entity[] {
  return mode === 'strict' ? strictEntities(labels) : lenientEntities(labels);
}
