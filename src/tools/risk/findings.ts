/**
 * One thing the risk check found in some code: why it needs the user's eyes
 * and, for writes that only destroy something when their target exists
 * (`df.to_csv("x.csv")`, `COPY … TO 'x'`, `%%writefile x`), that target as
 * written in the code. A finding with a `path` holds when the file exists,
 * or when that cannot be told.
 */
export interface IRiskFinding {
  reason: string;
  path?: string;
}
