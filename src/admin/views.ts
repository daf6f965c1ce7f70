/**
 * The configuration as Get- cmdlets show it, without a session: what a lab's configuration
 * goals read (`Get-CsTrunkConfiguration -Identity PstnGateway:sbc-itsp`, property
 * `EnableBypass`), with the same objects, defaults and effective bypass IDs the shell prints.
 *
 * This file must not know roles, validation or files.
 */
import { ErrorCodes, SimError } from '../core/index.js';
import type { Scenario } from '../scenario/index.js';
import { Topology } from '../topology/index.js';
import { BoundArgs, type CmdletCall } from './cmdlet.js';
import { findCmdlet } from './cmdlets.js';
import { ConfigDocument } from './config-document.js';
import type { ConfigView } from './objects.js';
import { PsObject } from './values.js';
import { VoiceRouting } from './voice-routing.js';

/** The view of a valid scenario and its text. */
export function configView(scenario: Scenario, text: string): ConfigView {
  const doc = ConfigDocument.parse(text);
  return { scenario, topology: new Topology(scenario), doc, voice: VoiceRouting.fromDocument(doc) };
}

/**
 * What `Get-<noun> [-Identity id]` returns.
 *
 * @param noun - `CsTrunkConfiguration`, `CsNetworkSite`, ...
 * @throws {SimError} `SIM_ERR_ADMIN_UNKNOWN_COMMAND` when there is no such Get- cmdlet;
 *   `SIM_ERR_ADMIN_IDENTITY` when no object has the identity.
 */
export function getObjects(view: ConfigView, noun: string, identity?: string): PsObject[] {
  const cmdlet = findCmdlet(`Get-${noun.replace(/^Get-/i, '')}`);
  if (cmdlet?.access !== 'read') {
    throw new SimError(ErrorCodes.ADMIN_UNKNOWN_COMMAND, `There is no cmdlet Get-${noun}.`);
  }
  const args = new BoundArgs();
  if (identity !== undefined) {
    args.set('Identity', identity);
  }
  const call: CmdletCall = {
    cmdlet,
    args,
    doc: view.doc,
    voice: view.voice,
    view: () => view,
    authorize: () => undefined,
    warn: () => undefined,
  };
  return cmdlet.run(call).filter((v): v is PsObject => v instanceof PsObject);
}
