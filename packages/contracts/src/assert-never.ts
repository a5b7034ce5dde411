/**
 * The last branch of a `switch` over a union: it compiles only when every member has its own case, so adding a
 * member without handling it fails the build. Reached at run time only by a value the types did not foresee.
 */
export function assertNever(value: never): never {
  throw new Error(`unexpected value: ${JSON.stringify(value)}`);
}
