// Whether a send may run inside the current workflow task (the first attempt as a local activity, see
// workflows/sender.ts): not while an update handler of this user runs or has just answered. An update's answer
// reaches its caller only when the workflow task that produced it ends, so a send inside that task would hold a
// backend's `track` call for the vendors' round trip; such a send goes in a regular activity instead.
export class UpdateWatch {
  private running = 0;
  private answered = false;

  /** The handler, counted from its start until its (possibly asynchronous) answer. */
  around<H extends (...args: never[]) => unknown>(handler: H): H {
    const watched = (...args: Parameters<H>): ReturnType<H> => {
      this.running += 1;
      let answer: ReturnType<H>;
      try {
        answer = handler(...args) as ReturnType<H>;
      } catch (error) {
        this.done();
        throw error;
      }
      if (answer instanceof Promise) return answer.finally(() => this.done()) as ReturnType<H>;
      this.done();
      return answer;
    };
    return watched as H;
  }

  /** Whether a send may hold the workflow task now; the mark of an answer given since the last call is cleared. */
  mayHoldTask(): boolean {
    const may = this.running === 0 && !this.answered;
    this.answered = false;
    return may;
  }

  private done(): void {
    this.running -= 1;
    this.answered = true;
  }
}
