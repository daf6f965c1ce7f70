/**
 * What an outgoing or incoming call needs from the user agent that owns it: the stack to send
 * through, the Contact to put in its responses, and the dialog table it registers in; and the
 * cause a call reports when it ends. It must not know the user agent itself nor either kind
 * of call, so that the calls and the user agent can import it without importing each other.
 */
import type { Dialog } from './dialog.js';
import type { SipRequest } from './message.js';
import type { IncomingRequest, SipStack } from './stack.js';

/** Why a call ended. */
export type CallEndCause = 'remote-bye' | 'local-bye' | 'no-ack' | 'closed';

/** What the user agent asks of a call that holds a dialog. */
export interface DialogCall {
  /** The peer sent BYE in the call's dialog. */
  remoteBye(): void;
  /** An ACK arrived in the call's dialog (of the first INVITE's 2xx or of a re-INVITE's). */
  ack(rq: SipRequest): void;
  /** A REFER, NOTIFY or re-INVITE arrived in the call's dialog. */
  inDialog(incoming: IncomingRequest): void;
}

/** What calls need from their UA. */
export interface CallOwner {
  readonly stack: SipStack;
  readonly contactUri: string;
  register(dialog: Dialog, call: DialogCall): void;
  unregister(dialog: Dialog): void;
}
