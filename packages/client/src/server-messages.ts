import { parseServerFrame, type ServerMessage } from '@staff-sync/protocol';
import type { ClientParts } from './client-parts.ts';
import type { ClientAction } from './client-state.ts';
import { StaffSyncError } from './errors.ts';

export interface MessageHooks {
  dispatch: (action: ClientAction) => void;
  /** An ERROR that answers none of our messages. */
  failed: (error: StaffSyncError) => void;
  clientId: string;
  /** A message that failed the protocol's schemas: never applied. */
  invalid: (bad: { message: unknown; reason: string }) => void;
}

/** One frame from the server (a message or an array of them): each valid message to its part. */
export function handleFrame(text: string, parts: ClientParts, hooks: MessageHooks): void {
  const frame = parseServerFrame(text);
  // Never applied: a message that fails the schema could corrupt the roster.
  for (const bad of frame.invalid) hooks.invalid(bad);
  for (const message of frame.messages) handleServerMessage(message, parts, hooks);
}

/** Hand one validated server message to the part it is for (docs/protocol.md, server messages). */
function handleServerMessage(message: ServerMessage, parts: ClientParts, hooks: MessageHooks): void {
  const { dispatch } = hooks;
  switch (message.type) {
    case 'HELLO': {
      const { role, restaurantId, limits } = message.payload;
      dispatch({ type: 'hello', role, restaurantId, maxMessageBytes: limits.maxMessageBytes });
      parts.outbox.setRestaurant(restaurantId);
      parts.closedTabs.check(restaurantId, role);
      break;
    }
    case 'SYNC_RESPONSE':
      parts.resume.onSyncResponse(message);
      break;
    case 'SHIFT_SYNC_RESPONSE':
      if (parts.schedule.onMessage(message)) dispatch({ type: 'changed' });
      break;
    case 'SHIFT_BROADCAST':
      // Taken by version, whatever the roster's seq: a snapshot of the roster does not cover cells.
      if (parts.schedule.onMessage(message)) dispatch({ type: 'changed' });
      parts.resume.onChange(message);
      break;
    case 'STAFF_CREATE':
    case 'STAFF_UPDATE':
    case 'STAFF_DELETE':
      parts.resume.onChange(message);
      break;
    case 'ACK':
      parts.queue.onAck(message.payload);
      break;
    case 'CONFLICT':
      parts.queue.onConflict(message.payload);
      break;
    case 'ERROR': {
      const { payload } = message;
      // A refused sync request, else one of our mutations, else nothing of ours: the error event.
      if (parts.resume.onError(payload) || parts.queue.onError(payload)) break;
      hooks.failed(new StaffSyncError(payload.code, payload.message, { fields: payload.fields }));
      break;
    }
    case 'PRESENCE':
      dispatch({ type: 'presence', editors: message.payload.editors, ownClientId: hooks.clientId });
      break;
    case 'PONG':
      parts.liveness.ponged();
      break;
  }
}
