/** `work`'s value if it fulfils within `ms`; null if it is still running then, or failed (its caller still holds it). */
export async function settledWithin<T>(work: Promise<T>, ms: number): Promise<{ value: T } | null> {
  if (ms <= 0) return null;
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<null>((resolve) => {
    timer = setTimeout(() => resolve(null), ms);
  });
  try {
    return await Promise.race([work.then((value) => ({ value }), () => null), late]);
  } finally {
    clearTimeout(timer);
  }
}
