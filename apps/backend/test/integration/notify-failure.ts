import { NotifyError } from '../../src/channels/notify-error';

/** Awaits a send or post that must fail, and returns its NotifyError (any other outcome fails the test). */
export async function notifyFailureOf(promise: Promise<unknown>): Promise<NotifyError> {
  const error = await promise.then(
    () => {
      throw new Error('expected a NotifyError, but the call succeeded');
    },
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(NotifyError);
  return error as NotifyError;
}
