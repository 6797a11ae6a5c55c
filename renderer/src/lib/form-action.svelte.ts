// What a form's button does while main works on it: busy (the button is disabled), and the message of a failure
// to show beside the form. The action itself says what a success changes.
import { errorMessage } from '../../../shared/error-message.ts';

export interface FormAction<A extends unknown[]> {
  readonly busy: boolean;
  /** Why the last try failed; '' while it runs and after it succeeded. */
  readonly error: string;
  /** Runs the action unless it is running already; a failure becomes `error`, never a rejection. */
  run(...args: A): Promise<void>;
  /** A form's onsubmit for an action of no arguments: keeps the page where it is and runs the action. */
  submit(event: SubmitEvent): void;
}

export function formAction<A extends unknown[]>(act: (...args: A) => Promise<unknown>): FormAction<A> {
  let busy = $state(false);
  let error = $state('');

  async function run(...args: A): Promise<void> {
    if (busy) return;
    busy = true;
    error = '';
    try {
      await act(...args);
    } catch (e) {
      error = errorMessage(e);
    } finally {
      busy = false;
    }
  }

  return {
    get busy() {
      return busy;
    },
    get error() {
      return error;
    },
    run,
    submit(event) {
      event.preventDefault();
      void run(...([] as unknown[] as A));
    },
  };
}
