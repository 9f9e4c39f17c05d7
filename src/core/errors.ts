// Error formatting shared by every layer: one line for a thrown value, whatever was thrown.

/** The message of an Error, or the thrown value as text. */
export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
