import type { IToolResult } from './types';

/** What every tool family shares for failures: the cancelled message, error results, messages of thrown values. */

/** The text of a call the user stopped. */
export const CANCELLED = 'Cancelled by the user.';

export { messageOf } from '../errorText';

type ErrorClass = abstract new (...args: any[]) => Error;

/**
 * A runner of tool bodies that turns the expected failures (instances of
 * `expected`) into error results the model reads; anything else propagates
 * (the chat reports it as a tool crash).
 */
export function guardFor(
  ...expected: ErrorClass[]
): (body: () => Promise<IToolResult>) => Promise<IToolResult> {
  return async body => {
    try {
      return await body();
    } catch (error) {
      if (expected.some(type => error instanceof type)) {
        return { content: (error as Error).message, isError: true };
      }
      throw error;
    }
  };
}
