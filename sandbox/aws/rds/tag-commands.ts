// AddTagsToResource, ListTagsForResource and RemoveTagsFromResource on DB instances and DB snapshots,
// addressed by ARN in the caller's Region: adding overwrites a key's value, removing a missing key is a no-op.

import type {
  AddTagsToResourceCommandInput,
  ListTagsForResourceCommandInput,
  RemoveTagsFromResourceCommandInput,
  Tag,
  TagListMessage,
} from '@aws-sdk/client-rds';
import { instanceNotFound, invalidParameter, missingParameter, snapshotNotFound } from './errors.js';
import { cloneTags, mergeTags, parseRdsArn, validateTags } from './model.js';
import type { RdsState } from './state.js';

interface Tagged {
  readonly kind: 'db' | 'snapshot';
  readonly id: string;
  read(): Tag[];
  write(tags: Tag[]): void;
}

const taggable = (state: RdsState, region: string, resourceName: string | undefined): Tagged => {
  if (!resourceName) throw missingParameter('ResourceName');
  const arn = parseRdsArn(resourceName);
  if (!arn || (arn.kind !== 'db' && arn.kind !== 'snapshot')) {
    throw invalidParameter(`The RDS stand-in tags only DB instances and DB snapshots by ARN; got ${resourceName}`);
  }
  const here = arn.region === region && arn.account === state.account;
  if (arn.kind === 'db') {
    const instance = here ? state.region(region).instances.get(arn.name.toLowerCase()) : undefined;
    if (!instance) throw instanceNotFound(resourceName);
    return { kind: 'db', id: instance.id, read: () => instance.tags, write: (tags) => (instance.tags = tags) };
  }
  const snapshot = here ? state.findSnapshot(region, arn.name) : undefined;
  if (!snapshot) throw snapshotNotFound(resourceName);
  if (snapshot.type === 'automated') {
    const automatedTags = state.region(region).automatedTags;
    return { kind: 'snapshot', id: snapshot.id, read: () => automatedTags.get(snapshot.arn) ?? [], write: (tags) => automatedTags.set(snapshot.arn, tags) };
  }
  return { kind: 'snapshot', id: snapshot.id, read: () => snapshot.tags, write: (tags) => (snapshot.tags = tags) };
};

export const addTagsToResource = (state: RdsState, region: string, input: AddTagsToResourceCommandInput): Record<string, never> => {
  const resource = taggable(state, region, input.ResourceName);
  const tags = validateTags(input.Tags);
  resource.write(mergeTags(resource.read(), tags));
  state.record({ region, action: 'tag', id: resource.id, arn: input.ResourceName, detail: tags.map((t) => `${t.Key}=${t.Value}`).join(',') });
  return {};
};

export const removeTagsFromResource = (state: RdsState, region: string, input: RemoveTagsFromResourceCommandInput): Record<string, never> => {
  const resource = taggable(state, region, input.ResourceName);
  const keys = new Set(input.TagKeys ?? []);
  resource.write(resource.read().filter((t) => t.Key === undefined || !keys.has(t.Key)));
  state.record({ region, action: 'untag', id: resource.id, arn: input.ResourceName, detail: [...keys].join(',') });
  return {};
};

export const listTagsForResource = (state: RdsState, region: string, input: ListTagsForResourceCommandInput): TagListMessage => {
  if (input.Filters?.length) throw invalidParameter('The RDS stand-in does not model ListTagsForResource filters');
  return { TagList: cloneTags(taggable(state, region, input.ResourceName).read()) };
};
