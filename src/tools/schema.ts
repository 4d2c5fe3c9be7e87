import type { ITool, IToolInputSchema } from './types';

/**
 * One definition for a tool's input: the JSON schema the model and the
 * validator get, from which the TypeScript type of `run`'s input is
 * derived, so the two cannot drift. Covers the JSON schema the tools use:
 * string (with enum), number, integer, boolean, array, nested object.
 */

type Simplify<T> = { [K in keyof T]: T[K] } & {};

type RequiredKeys<S> = S extends { required: ReadonlyArray<infer R> }
  ? R
  : never;

/** The TypeScript type of a value matching one property schema. */
export type ValueOf<P> = P extends { enum: ReadonlyArray<infer E> }
  ? E
  : P extends { type: 'string' }
    ? string
    : P extends { type: 'number' | 'integer' }
      ? number
      : P extends { type: 'boolean' }
        ? boolean
        : P extends { type: 'array'; items: infer I }
          ? Array<ValueOf<I>>
          : P extends { type: 'object'; properties: object }
            ? InputOf<P>
            : unknown;

/** The TypeScript type of an input matching an object schema (required keys required, others optional). */
export type InputOf<S> = S extends { properties: infer P }
  ? Simplify<
      {
        -readonly [
          K in keyof P as K extends RequiredKeys<S> ? K : never
        ]: ValueOf<P[K]>;
      } & {
        -readonly [
          K in keyof P as K extends RequiredKeys<S> ? never : K
        ]?: ValueOf<P[K]>;
      }
    >
  : never;

/** A tool whose input type is read off its `inputSchema` (give the schema inline). */
export function defineTool<const S extends IToolInputSchema>(
  tool: Omit<ITool<InputOf<S>>, 'inputSchema'> & { inputSchema: S }
): ITool<InputOf<S>> {
  return tool;
}

/** The input type of a tool made by `defineTool` (for helpers that take the same input). */
export type ToolInput<T> = T extends ITool<infer I> ? I : never;
