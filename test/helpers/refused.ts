// The message a harness option check refuses with (the tests assert on what a person reads).
export function problem(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    return (error as Error).message;
  }
  throw new Error('expected the options to be refused');
}
