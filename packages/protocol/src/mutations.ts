import type { ClientMessage, MutationMessage } from './types.ts';

/** The client messages that change data: each is deduplicated, versioned and answered ACK, CONFLICT or ERROR. */
export const MUTATION_TYPES: readonly MutationMessage['type'][] = ['STAFF_CREATE', 'STAFF_UPDATE', 'STAFF_DELETE'];

export function isMutation(message: ClientMessage): message is MutationMessage {
  return (MUTATION_TYPES as readonly string[]).includes(message.type);
}
