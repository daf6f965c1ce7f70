/**
 * Normalizing users and their endpoints (b.5 #37): each user with its defaults, and each
 * client that is an endpoint of a user taking the user's SIP URI, line URI, voice policy and
 * voice mail, so that everything downstream reads them from the client as before.
 *
 * This file must not know zod, YAML positions or the semantic rules: a client listed by two
 * users belongs to the first, an unknown endpoint is left for the rules to report.
 */
import type { Client, User } from './types.js';
import { arr, bool, obj, str, strOrNull } from './normalize-read.js';

/** A user with every default filled in. */
export function user(u: unknown): User {
  const o = obj(u);
  const name = str(o.name, '');
  return {
    name,
    sipUri: str(o.sipUri, `sip:${name}@litware.example`),
    lineUri: strOrNull(o.lineUri),
    voicePolicy: str(o.voicePolicy, 'global'),
    voicemail: bool(o.voicemail, false),
    endpoints: arr(o.endpoints).map((e) => str(e, '')),
  };
}

/** The user of each endpoint: the first user that lists it. */
export function endpointUsers(users: readonly User[]): ReadonlyMap<string, User> {
  const out = new Map<string, User>();
  for (const u of users) {
    for (const e of u.endpoints) {
      if (!out.has(e)) {
        out.set(e, u);
      }
    }
  }
  return out;
}

/** A client that is an endpoint of a user, carrying the user's identity and settings. */
export function asEndpoint(client: Client, owner: User | undefined): Client {
  if (owner === undefined) {
    return client;
  }
  return {
    ...client,
    sipUri: owner.sipUri,
    lineUri: owner.lineUri,
    voicePolicy: owner.voicePolicy,
    voicemail: owner.voicemail,
    user: owner.name,
  };
}
