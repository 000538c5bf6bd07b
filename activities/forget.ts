// The `forgetLedgerEntries` local activity: when a user is forgotten, the workflow worker (which holds the
// delivery ledger open, embedded or PostgreSQL) deletes that user's ledger entries by user hash, once the
// user's sends in flight have ended. Answers how many entries it deleted.
import type { ForgetActivities } from '../domain/workflow-api';
import type { DeliveryLedger } from './ledger/ledger';

export function createForgetActivities(ledger: DeliveryLedger): ForgetActivities {
  return {
    forgetLedgerEntries: (userHash) => ledger.forgetUser(userHash),
  };
}
