// The media-restore state machine: a point-in-time restore of a prefix (restore-prefix.asl.json), walked a
// page at a time and, while archived versions are being restored, walked again every hour. Its timeout
// covers the longest wait (MAX_PASSES hours) with margin. Read at packaging time and by the local runs.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { AslDefinition } from '../asl.js';

export const MEDIA_RESTORE_DEFINITION_FILE = join(import.meta.dirname, 'restore-prefix.asl.json');

const COMMENT =
  'Point-in-time restore of a prefix: make each object\'s version current at the time asked for current again (copied back, from the replica when the source lacks it; ' +
  'delete markers where the object did not exist then; archived versions restored first). Dry run by default, with a listing of every change. ' +
  'Input: {"resource": "media", "prefix": "uploads/2026/11/", "at": "2026-11-28T09:00:00+09:00", "dryRun": true}.';

export function mediaRestoreDefinition(): AslDefinition {
  const definition = JSON.parse(readFileSync(MEDIA_RESTORE_DEFINITION_FILE, 'utf8')) as AslDefinition;
  definition.Comment = COMMENT;
  return definition;
}
