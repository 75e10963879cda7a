// Artillery hooks for staff-load.yml: each virtual user is a client with its own clientId and
// strictly increasing sequence numbers, as the protocol requires. The staff ids to update come
// from STAFF_IDS (set by bench/artillery.ts). Every value written is unique, so every update is
// a real change that must show up in the change log.
const { randomUUID } = require('node:crypto');

const staffIds = (process.env.STAFF_IDS || '').split(',').filter(Boolean);
let counter = 0;

function message(context, type, payload) {
  context.vars.sequenceNumber += 1;
  return JSON.stringify({
    type,
    payload,
    timestamp: new Date().toISOString(),
    clientId: context.vars.clientId,
    sequenceNumber: context.vars.sequenceNumber,
  });
}

module.exports = {
  prepare(context, _events, done) {
    context.vars.clientId = `art-${randomUUID()}`;
    context.vars.sequenceNumber = 0;
    context.vars.syncRequest = message(context, 'SYNC_REQUEST', {});
    done();
  },
  nextUpdate(context, _events, done) {
    counter += 1;
    const staffId = staffIds[counter % staffIds.length];
    // A fresh value each time (unique across artillery's workers), so the update always changes the member.
    context.vars.update = message(context, 'STAFF_UPDATE', { staffId, changes: { color: randomUUID().slice(0, 32) } });
    done();
  },
};
