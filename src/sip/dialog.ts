/**
 * Dialog state (RFC 3261 section 12): the identifiers and sequence numbers a UA needs to send
 * and match in-dialog requests. The UA owns the dialogs; this module holds the data and the
 * in-dialog request builder.
 */
import { copyAddress, type SipAddress, type SipRemote, type SipRequest } from './message.js';

/** Dialog identifiers and state, from one side's point of view. */
export class Dialog {
  readonly callId: string;
  readonly localTag: string;
  readonly remoteTag: string | undefined;
  /** Our From (UAC) or To (UAS) address, with our tag. */
  readonly local: SipAddress;
  /** The peer's address with its tag. */
  readonly remote: SipAddress;
  /** The peer's Contact URI (RFC 3261 section 12.1.1 and 12.1.2: the remote target). */
  readonly remoteTarget: string;
  /** Where in-dialog requests go (the remote target's IPv4 host, else the source). */
  readonly remoteAddress: SipRemote;
  #localSeq: number;

  constructor(init: {
    callId: string;
    local: SipAddress;
    remote: SipAddress;
    remoteTarget: string;
    remoteAddress: SipRemote;
    localSeq: number;
  }) {
    this.callId = init.callId;
    this.local = copyAddress(init.local);
    this.remote = copyAddress(init.remote);
    this.localTag = this.local.params.tag ?? '';
    const rt = this.remote.params.tag;
    this.remoteTag = rt === null || rt === undefined ? undefined : rt;
    this.remoteTarget = init.remoteTarget;
    this.remoteAddress = init.remoteAddress;
    this.#localSeq = init.localSeq;
  }

  /** The key the UA files this dialog under. */
  get key(): string {
    return dialogKey(this.callId, this.localTag, this.remoteTag);
  }

  /**
   * Builds an in-dialog request (RFC 3261 section 12.2.1.1): Request-URI is the remote
   * target, From/To carry the tags, CSeq is the next local number.
   */
  request(method: string, content = '', headers: Record<string, unknown> = {}): SipRequest {
    this.#localSeq += 1;
    return {
      method,
      uri: this.remoteTarget,
      version: '2.0',
      headers: {
        via: [],
        'max-forwards': '70',
        from: copyAddress(this.local),
        to: copyAddress(this.remote),
        'call-id': this.callId,
        cseq: { seq: this.#localSeq, method },
        ...headers,
      },
      content,
    };
  }
}

/** The dialog key: Call-ID, local tag and remote tag (RFC 3261 section 12). */
export function dialogKey(callId: string, localTag: string, remoteTag: string | undefined): string {
  return `${callId}|${localTag}|${remoteTag ?? ''}`;
}
