// The application-recovery definition as written and as the team's policy bounds it keeps the contract
// every state machine keeps (tests/helpers/asl-contract.ts); its behaviour is application-recovery.sm.test.ts's.

import { readFileSync } from 'node:fs';
import { describe } from 'vitest';
import type { AslDefinition } from '../../../sandbox/step-functions/asl.js';
import { APPLICATION_RECOVERY_DEFINITION_FILE, applicationRecoveryDefinition } from '../../../state-machines/platform/application-recovery.js';
import { itKeepsTheAslContract } from '../../helpers/asl-contract.js';
import { teamPolicy } from '../../helpers/runtime.js';

/** request-approval's contract (issue 14): a rejection fails the task with this name; its code lives with answer-approval. */
const CONTRACT_ERRORS = ['ApprovalRejected'];

describe.each([
  ['application-recovery.asl.json (as written)', JSON.parse(readFileSync(APPLICATION_RECOVERY_DEFINITION_FILE, 'utf8')) as AslDefinition],
  ['application-recovery', applicationRecoveryDefinition(teamPolicy())],
] as const)('state machine %s', (_name, definition) => {
  itKeepsTheAslContract(definition, { contract: CONTRACT_ERRORS });
});
