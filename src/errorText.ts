/** The message of any thrown value, for users and the model. */
export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
