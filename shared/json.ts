// JSON read from a file a user pointed at: a parse error names the file (`source`) and keeps the parser's cause.
import { errorMessage } from './error-message.ts';

export function parseJson(text: string, source: string): unknown {
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new Error(`${source}: not valid JSON (${errorMessage(e)})`, { cause: e });
  }
}
