// media-restore-plan: the first step of the media-restore state machine.
import { mediaPlanStepInput } from '../../../shared/media/restore-run.js';
import { parseInput } from '../../../shared/runtime/input.js';
import { stepHandler } from '../../../shared/runtime/step.js';
import { executionInput, planMediaRestore } from './plan.js';

export const handler = stepHandler(mediaPlanStepInput, async (event, rt) => planMediaRestore(rt.policy, parseInput(executionInput, event.input ?? {}), rt.now()));
