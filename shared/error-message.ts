// What a caught value says, for a message a person reads: an Error's message, or the value itself in words (a thrown
// string, a rejected number, …). Everything that catches `unknown` and reports it goes through here.

export function errorMessage(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
