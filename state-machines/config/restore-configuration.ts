// The restore-configuration state machine (restore-configuration.asl.json), in the primary and in the
// secondary: a configuration bundle written back into the region the machine runs in, dry run by default,
// a batch of names at a time (waiting when throttled), with evidence of every write and its undo. Its
// timeout covers the batches of a large configuration with margin. Read at packaging time and by the local runs.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { AslDefinition } from '../asl.js';

export const CONFIG_RESTORE_DEFINITION_FILE = join(import.meta.dirname, 'restore-configuration.asl.json');

const COMMENT =
  "Restore of a configuration bundle: write a bundle version's SSM parameters and secrets back into this region, each write recorded with the version before it (undo in the evidence). " +
  'Dry run by default (names only). Names live but not in the bundle are reported, never deleted. ' +
  'Input: {"configuration": "app-config", "versionId": "<S3 version id, optional: the newest>", "region": "primary|secondary (optional: this region)", "dryRun": true}; ' +
  'to undo a run: {"undo": "<its execution name>", "dryRun": true}.';

export function configRestoreDefinition(): AslDefinition {
  const definition = JSON.parse(readFileSync(CONFIG_RESTORE_DEFINITION_FILE, 'utf8')) as AslDefinition;
  definition.Comment = COMMENT;
  return definition;
}
