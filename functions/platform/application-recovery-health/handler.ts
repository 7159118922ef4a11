// application-recovery-health: GET each of the policy's health URLs (2xx = healthy; ApplicationUnhealthy otherwise).
import { InvalidInput } from '../../../shared/errors.js';
import { nonEmptyString, strictInput } from '../../../shared/runtime/input.js';
import { stepHandler } from '../../../shared/runtime/step.js';
import { checkHealth, healthProbe } from './health.js';

const probe = healthProbe();

export const handler = stepHandler(strictInput({ execution: nonEmptyString }), async (_event, rt) => {
  const application = rt.policy.recovery?.application;
  if (application === undefined) throw new InvalidInput('recovery.application', 'the policy names no health URLs');
  return checkHealth({ probe }, application.healthUrls, application.healthTimeout);
});
