// BERT's BasicTokenizer (google-research/bert tokenization.py, as in Hugging Face's BertTokenizer and the
// tokenizers library's BertNormalizer + BertPreTokenizer): clean the text, put spaces around CJK characters,
// lowercase, strip accents (NFD, drop non-spacing marks), split on whitespace and punctuation.

export interface BertBasicOptions {
  readonly cleanText: boolean;
  readonly tokenizeChineseChars: boolean;
  readonly lowercase: boolean;
  /** null follows `lowercase`, as HF's BertTokenizer and BertNormalizer do. */
  readonly stripAccents: boolean | null;
}

export const UNCASED_BERT: BertBasicOptions = {
  cleanText: true,
  tokenizeChineseChars: true,
  lowercase: true,
  stripAccents: null,
};

const CONTROL = /\p{C}/u;
const SPACE_SEPARATOR = /\p{Zs}/u;
const PUNCTUATION = /\p{P}/u;
const NONSPACING_MARK = /\p{Mn}/gu;

function isWhitespace(ch: string): boolean {
  return ch === ' ' || ch === '\t' || ch === '\n' || ch === '\r' || SPACE_SEPARATOR.test(ch);
}

function isControl(ch: string): boolean {
  if (ch === '\t' || ch === '\n' || ch === '\r') return false; // BERT counts these as whitespace
  return CONTROL.test(ch);
}

/** BERT treats every ASCII non-alphanumeric (e.g. "$", "^", "`") as punctuation, besides Unicode's P* classes. */
export function isBertPunctuation(ch: string): boolean {
  const cp = ch.codePointAt(0)!;
  if ((cp >= 33 && cp <= 47) || (cp >= 58 && cp <= 64) || (cp >= 91 && cp <= 96) || (cp >= 123 && cp <= 126))
    return true;
  return PUNCTUATION.test(ch);
}

/** The CJK Unified Ideographs blocks (not Hangul or kana, which are written with spaces). */
function isChineseChar(cp: number): boolean {
  return (
    (cp >= 0x4e00 && cp <= 0x9fff) ||
    (cp >= 0x3400 && cp <= 0x4dbf) ||
    (cp >= 0x20000 && cp <= 0x2a6df) ||
    (cp >= 0x2a700 && cp <= 0x2b73f) ||
    (cp >= 0x2b740 && cp <= 0x2b81f) ||
    (cp >= 0x2b820 && cp <= 0x2ceaf) ||
    (cp >= 0xf900 && cp <= 0xfaff) ||
    (cp >= 0x2f800 && cp <= 0x2fa1f)
  );
}

/** Clean text and CJK spacing: drops NUL, U+FFFD and control characters, maps all whitespace to " ". */
function normalise(text: string, options: BertBasicOptions): string {
  let out = '';
  for (const ch of text) {
    const cp = ch.codePointAt(0)!;
    if (options.cleanText) {
      if (cp === 0 || cp === 0xfffd || isControl(ch)) continue;
      if (isWhitespace(ch)) {
        out += ' ';
        continue;
      }
    }
    out += options.tokenizeChineseChars && isChineseChar(cp) ? ` ${ch} ` : ch;
  }
  return out;
}

function stripAccents(text: string): string {
  return text.normalize('NFD').replace(NONSPACING_MARK, '');
}

/** Splits a text into BERT's basic tokens: whitespace-separated, then every punctuation character on its own. */
export function bertBasicTokens(text: string, options: BertBasicOptions): string[] {
  const tokens: string[] = [];
  const strip = options.stripAccents ?? options.lowercase;
  for (let word of normalise(text, options).split(/\s+/u)) {
    if (word === '') continue;
    if (options.lowercase) word = word.toLowerCase();
    if (strip) word = stripAccents(word);
    let current = '';
    for (const ch of word) {
      if (isBertPunctuation(ch)) {
        if (current) tokens.push(current);
        tokens.push(ch);
        current = '';
      } else {
        current += ch;
      }
    }
    if (current) tokens.push(current);
  }
  return tokens;
}
