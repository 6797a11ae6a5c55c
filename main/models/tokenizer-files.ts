// Finds and reads a model folder's tokenizer: tokenizer.json when present (the "fast" file, authoritative),
// else vocab.txt (BERT family) or vocab.json + merges.txt (RoBERTa family), with tokenizer_config.json and
// special_tokens_map.json supplying the options.
import { existsSync } from 'node:fs';
import { readRegularFile } from '../files/regular-file.ts';
import { join } from 'node:path';
import type { SubwordTokenizer, TokenizerConfig } from '../../shared/tokenizers/tokenizer.ts';
import { tokenizerFromJson } from '../../shared/tokenizers/tokenizer-json.ts';
import { bertTokenizerFromVocabTxt, robertaTokenizerFromFiles } from '../../shared/tokenizers/tokenizer-config.ts';
import { parseJson } from '../../shared/json.ts';

export const TOKENIZER_FILES = [
  'tokenizer.json',
  'vocab.txt',
  'vocab.json',
  'merges.txt',
  'tokenizer_config.json',
  'special_tokens_map.json',
] as const;

function readJsonObject(path: string): Record<string, unknown> {
  const json = parseJson(readRegularFile(path, 'utf8'), path);
  if (typeof json !== 'object' || json === null || Array.isArray(json)) throw new Error(`${path}: not a JSON object`);
  return json as Record<string, unknown>;
}

/** tokenizer_config.json over special_tokens_map.json; both optional. */
function tokenizerConfig(folder: string): TokenizerConfig {
  const map = join(folder, 'special_tokens_map.json');
  const config = join(folder, 'tokenizer_config.json');
  return { ...(existsSync(map) ? readJsonObject(map) : {}), ...(existsSync(config) ? readJsonObject(config) : {}) };
}

export interface LoadedTokenizer {
  readonly tokenizer: SubwordTokenizer;
  /** The files it was built from, for the user and for copying into saved folders. */
  readonly files: string[];
  /** Plain-words remarks (e.g. a likely cased vocabulary read as uncased). */
  readonly notes: string[];
}

export function loadTokenizer(folder: string): LoadedTokenizer {
  const at = (name: string) => join(folder, name);
  const has = (name: string) => existsSync(at(name));
  const present = TOKENIZER_FILES.filter(has);
  const config = tokenizerConfig(folder);
  if (has('tokenizer.json')) {
    return {
      tokenizer: tokenizerFromJson(readRegularFile(at('tokenizer.json'), 'utf8'), at('tokenizer.json'), config),
      files: present,
      notes: [],
    };
  }
  if (has('vocab.txt')) {
    const text = readRegularFile(at('vocab.txt'), 'utf8');
    const notes: string[] = [];
    if (config.do_lower_case === undefined && /^[A-Z][a-z]+$/m.test(text)) {
      notes.push(
        `${at('vocab.txt')} holds capitalised words (a cased vocabulary?) but no tokenizer_config.json sets do_lower_case; ` +
          'text is lowercased, as Hugging Face does by default. Add tokenizer_config.json with "do_lower_case": false if the model is cased.',
      );
    }
    return { tokenizer: bertTokenizerFromVocabTxt(text, config, at('vocab.txt')), files: present, notes };
  }
  if (has('vocab.json') || has('merges.txt')) {
    for (const name of ['vocab.json', 'merges.txt']) {
      if (!has(name))
        throw new Error(
          `${folder}: the tokenizer needs ${name} next to ${name === 'vocab.json' ? 'merges.txt' : 'vocab.json'}, but it is missing`,
        );
    }
    const tokenizer = robertaTokenizerFromFiles(
      readRegularFile(at('vocab.json'), 'utf8'),
      readRegularFile(at('merges.txt'), 'utf8'),
      config,
      {
        vocab: at('vocab.json'),
        merges: at('merges.txt'),
      },
    );
    return { tokenizer, files: present, notes: [] };
  }
  throw new Error(`${folder}: no tokenizer files: expected tokenizer.json, vocab.txt, or vocab.json with merges.txt`);
}
