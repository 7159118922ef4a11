// Keys (issue 8, item 17): the service's own key of each region is named by a stage-scoped alias, which
// IAM falls back to wherever the policy names no key for a role; the production database's own customer
// key (kms.source) gets the grants copy and restore need; every function knows its stage. Per-region
// restore settings (item 15): the secondary's restore-test IAM names the secondary's subnet groups and
// secrets. The janitor (item 19): deletes leaked temporary instances of ours, and leaked temporary
// replication groups of cache restore tests when a cache is restore-tested, in both regions.
import { describe, expect, it } from 'vitest';
import { ENV, serviceKeyAlias } from '../../shared/contracts.js';
import { deployIn, policyWith, propsOf, statementsOf, subs, withAction } from './deployments.js';

const policy = policyWith();
const PRIMARY = policy.regions.primary;
const SECONDARY = policy.regions.secondary;
const keyArns = (region: string) => `arn:\${AWS::Partition}:kms:${region}:\${AWS::AccountId}:key/*`;
const SOURCE_KEY = 'arn:aws:kms:ap-northeast-1:123456789012:key/1a2b3c4d-0000-4000-8000-000000000001';

describe('the stage-scoped service key alias', () => {
  it.each([PRIMARY, SECONDARY])('%s: always names its own key alias/backup-dr-<stage>, whatever the policy names', (region) => {
    for (const stage of ['test', 'prod']) {
      expect(deployIn(policy, region, { stage }).resources.Resources.ServiceKeyAlias).toEqual({
        Type: 'AWS::KMS::Alias',
        Properties: { AliasName: serviceKeyAlias(stage), TargetKeyId: { Ref: 'ServiceKey' } },
      });
    }
    const named = policyWith((doc) => {
      doc.kms.primary = 'alias/their-own-key';
      doc.kms.secondary = 'alias/their-own-key';
    });
    expect(propsOf(deployIn(named, region), 'ServiceKeyAlias').AliasName).toBe(serviceKeyAlias('test'));
  });

  it("scopes KMS to the service's own key of the region (by its alias) when the policy names none", () => {
    const d = deployIn(policy, PRIMARY, { stage: 'prod' });
    const encrypt = withAction(statementsOf(d, 'copy-db-snapshots'), 'kms:Encrypt');
    expect(encrypt.map((s) => [subs(s), s.Condition])).toEqual([
      [[keyArns(PRIMARY)], { 'ForAnyValue:StringEquals': { 'kms:ResourceAliases': [serviceKeyAlias('prod')] } }],
      [[keyArns(SECONDARY)], { 'ForAnyValue:StringEquals': { 'kms:ResourceAliases': [serviceKeyAlias('prod')] } }],
    ]);
    const secondary = deployIn(policy, SECONDARY, { stage: 'prod' });
    expect(withAction(statementsOf(secondary, 'verify-db-snapshots'), 'kms:DescribeKey')[0]!.Condition).toEqual({
      'ForAnyValue:StringEquals': { 'kms:ResourceAliases': [serviceKeyAlias('prod')] },
    });
    const grant = withAction(statementsOf(secondary, 'restore-test-restore'), 'kms:CreateGrant');
    expect(grant).toHaveLength(1);
    expect(grant[0]!.Condition).toEqual({
      'ForAnyValue:StringEquals': { 'kms:ResourceAliases': [serviceKeyAlias('prod')] },
      StringEquals: { 'kms:ViaService': `rds.${SECONDARY}.amazonaws.com` },
      Bool: { 'kms:GrantIsForAWSResource': 'true' },
    });
  });

  it('gives every function its stage (BACKUP_DR_STAGE)', () => {
    for (const region of [PRIMARY, SECONDARY]) expect(deployIn(policy, region, { stage: 'prod' }).environment[ENV.stage]).toBe('prod');
  });
});

describe("the production database's own key (kms.source)", () => {
  const withSource = policyWith((doc) => {
    doc.kms.source = SOURCE_KEY;
  });
  const sourceStatements = (fn: string, region = PRIMARY) => statementsOf(deployIn(withSource, region), fn).filter((s) => s.Resource.includes(SOURCE_KEY));

  it.each(['copy-db-snapshots', 'restore-test-restore'])('%s (primary): describes it, decrypts and re-encrypts from it through RDS, and grants only for AWS resources', (fn) => {
    expect(sourceStatements(fn)).toEqual([
      { Effect: 'Allow', Action: ['kms:DescribeKey'], Resource: [SOURCE_KEY] },
      { Effect: 'Allow', Action: ['kms:Decrypt', 'kms:ReEncryptFrom'], Resource: [SOURCE_KEY], Condition: { StringEquals: { 'kms:ViaService': `rds.${PRIMARY}.amazonaws.com` } } },
      {
        Effect: 'Allow',
        Action: ['kms:CreateGrant'],
        Resource: [SOURCE_KEY],
        Condition: { StringEquals: { 'kms:ViaService': `rds.${PRIMARY}.amazonaws.com` }, Bool: { 'kms:GrantIsForAWSResource': 'true' } },
      },
    ]);
  });

  it('is named by alias through kms:ResourceAliases, and not used in the secondary or without it', () => {
    const byAlias = policyWith((doc) => {
      doc.kms.source = 'alias/app-db';
    });
    const [describeKey] = withAction(statementsOf(deployIn(byAlias), 'copy-db-snapshots'), 'kms:DescribeKey').filter((s) => JSON.stringify(s.Condition ?? {}).includes('alias/app-db'));
    expect(subs(describeKey)).toEqual([keyArns(PRIMARY)]);
    expect(sourceStatements('restore-test-restore', SECONDARY)).toEqual([]);
    expect(JSON.stringify(statementsOf(deployIn(policy), 'copy-db-snapshots'))).not.toContain('ReEncryptFrom');
  });
});

describe('per-region restore settings', () => {
  const twoRegions = policyWith((doc) => {
    const db = doc.resources.databases[0];
    db.restoreTest.subnetGroup = 'tokyo-restores';
    db.restoreTest.credentialsSecret = 'backup-dr/tokyo-master';
    db.restoreTest.secondary = { subnetGroup: 'singapore-restores', securityGroups: ['sg-0f1e2d3c'], credentialsSecret: 'backup-dr/singapore-master' };
    db.pitrTest.subnetGroup = 'singapore-pitr';
    db.pitrTest.credentialsSecret = 'backup-dr/singapore-pitr-master';
  });
  const subnetGroups = (region: string) =>
    subs(withAction(statementsOf(deployIn(twoRegions, region), 'restore-test-restore'), 'rds:RestoreDBInstanceFromDBSnapshot')[0]).filter((r) => r.includes(':subgrp:'));
  const secrets = (region: string) => subs(withAction(statementsOf(deployIn(twoRegions, region), 'validate-restore'), 'secretsmanager:GetSecretValue')[0]);
  const secret = (region: string, name: string) => `arn:\${AWS::Partition}:secretsmanager:${region}:\${AWS::AccountId}:secret:${name}-??????`;
  const group = (region: string, name: string) => `arn:\${AWS::Partition}:rds:${region}:\${AWS::AccountId}:subgrp:${name}`;

  it("restores into each region's own subnet groups", () => {
    expect(subnetGroups(PRIMARY)).toEqual([group(PRIMARY, 'tokyo-restores')]);
    expect(subnetGroups(SECONDARY)).toEqual([group(SECONDARY, 'singapore-restores'), group(SECONDARY, 'singapore-pitr')]);
  });

  it("reads each region's own credentials secrets (PITR: its own, else the secondary restore's)", () => {
    expect(secrets(PRIMARY)).toEqual([secret(PRIMARY, 'backup-dr/tokyo-master')]);
    expect(secrets(SECONDARY)).toEqual([secret(SECONDARY, 'backup-dr/singapore-master'), secret(SECONDARY, 'backup-dr/singapore-pitr-master')]);
    const fallback = policyWith((doc) => {
      delete doc.resources.databases[0].restoreTest.secondary.credentialsSecret;
    });
    expect(subs(withAction(statementsOf(deployIn(fallback, SECONDARY), 'validate-restore'), 'secretsmanager:GetSecretValue')[0])).toEqual([
      secret(SECONDARY, 'backup-dr/app-db-master'),
    ]);
  });
});

describe('per-region restore settings: a database without restoreTest.secondary', () => {
  it('restores (and is validated) only in the primary: the secondary names no subnet group or secret of it', () => {
    const primaryOnly = policyWith((doc) => {
      const db = doc.resources.databases[0];
      delete db.restoreTest.secondary;
      delete db.pitrTest;
    });
    const secondary = deployIn(primaryOnly, SECONDARY);
    const restore = withAction(statementsOf(secondary, 'restore-test-restore'), 'rds:RestoreDBInstanceFromDBSnapshot')[0];
    expect(subs(restore).filter((r) => r.includes(':subgrp:'))).toEqual([]);
    expect(withAction(statementsOf(secondary, 'validate-restore'), 'secretsmanager:GetSecretValue')).toEqual([]);
  });
});

describe('the janitor', () => {
  it.each([PRIMARY, SECONDARY])('%s: hourly in the policy zone, deletes only bdr-* instances carrying our owner tag, in its own region', (region) => {
    const d = deployIn(policy, region);
    const janitor = d.functions.janitor!;
    expect(janitor).toMatchObject({
      handler: 'functions/platform/janitor/handler.handler',
      description: 'Deletes leaked restore-test instances and cache restore-test groups of ours older than the test timeout and alerts',
      timeout: 300,
      memorySize: 256,
      maximumRetryAttempts: 1,
    });
    expect(janitor.events.map((e) => ('schedule' in e ? [e.schedule.rate, e.schedule.timezone] : null))).toEqual([[['rate(1 hour)'], 'Asia/Tokyo']]);
    const rds = (resource: string) => ({ 'Fn::Sub': `arn:\${AWS::Partition}:rds:${region}:\${AWS::AccountId}:${resource}` });
    const owner = { 'aws:ResourceTag/backup-dr:owner': 'backup-dr' };
    const own = statementsOf(d, 'janitor').filter((s) => s.Action.some((a) => a.startsWith('rds:')));
    expect(own).toEqual([
      { Effect: 'Allow', Action: ['rds:DescribeDBInstances'], Resource: [{ 'Fn::Sub': `arn:\${AWS::Partition}:rds:${region}:\${AWS::AccountId}:db:*` }] },
      {
        Effect: 'Allow',
        Action: ['rds:DeleteDBInstance'],
        Resource: [{ 'Fn::Sub': `arn:\${AWS::Partition}:rds:${region}:\${AWS::AccountId}:db:bdr-*` }],
        Condition: { StringEquals: { 'aws:ResourceTag/backup-dr:owner': 'backup-dr' } },
      },
      // What full recoveries replaced: stopped again only when tagged replaced-by; prepared (bdr-rec-*, ours); the final snapshot.
      { Effect: 'Allow', Action: ['rds:StopDBInstance'], Resource: [rds('db:*')], Condition: { Null: { 'aws:ResourceTag/backup-dr:replaced-by': 'false' } } },
      { Effect: 'Allow', Action: ['rds:ModifyDBInstance'], Resource: [rds('db:bdr-rec-*')], Condition: { StringEquals: owner } },
      // A stopped one is started first: RDS modifies no stopped instance.
      { Effect: 'Allow', Action: ['rds:StartDBInstance'], Resource: [rds('db:bdr-rec-*')], Condition: { StringEquals: owner } },
      { Effect: 'Allow', Action: ['rds:AddTagsToResource'], Resource: [rds('db:bdr-rec-*')], Condition: { StringEquals: owner, 'ForAllValues:StringEquals': { 'aws:TagKeys': ['backup-dr:tier'] } } },
      { Effect: 'Allow', Action: ['rds:CreateDBSnapshot'], Resource: [rds('db:bdr-rec-*'), rds('snapshot:bdr-final-*')] },
      { Effect: 'Allow', Action: ['rds:AddTagsToResource'], Resource: [rds('snapshot:bdr-final-*')] },
    ]);
  });

  it.each([PRIMARY, SECONDARY])('%s: lists the replication groups of its own region and reads their tags, deletes only bdr-* groups carrying our owner tag (the policy\'s key), with a bdr-final-* snapshot (CreateSnapshot without a tag condition)', (region) => {
    const owned = policyWith((doc) => {
      doc.tags.owner = 'acme:backup-owner';
    });
    const groups = (pattern: string) => [{ 'Fn::Sub': `arn:\${AWS::Partition}:elasticache:${region}:\${AWS::AccountId}:replicationgroup:${pattern}` }];
    const own = statementsOf(deployIn(owned, region), 'janitor').filter((s) => s.Action.some((a) => a.startsWith('elasticache:')));
    expect(own).toEqual([
      { Effect: 'Allow', Action: ['elasticache:DescribeReplicationGroups'], Resource: groups('*') },
      { Effect: 'Allow', Action: ['elasticache:ListTagsForResource'], Resource: groups('*') },
      { Effect: 'Allow', Action: ['elasticache:DeleteReplicationGroup'], Resource: groups('bdr-*'), Condition: { StringEquals: { 'aws:ResourceTag/acme:backup-owner': 'backup-dr' } } },
      // The final snapshot: on the group, its nodes and the snapshot it creates — no tag condition, which a snapshot not yet made cannot meet.
      {
        Effect: 'Allow',
        Action: ['elasticache:CreateSnapshot'],
        Resource: [
          ...groups('bdr-*'),
          { 'Fn::Sub': `arn:\${AWS::Partition}:elasticache:${region}:\${AWS::AccountId}:cluster:bdr-*` },
          { 'Fn::Sub': `arn:\${AWS::Partition}:elasticache:${region}:\${AWS::AccountId}:snapshot:bdr-final-*` },
        ],
      },
    ]);
  });

  it('has no ElastiCache permission when the policy has no cache', () => {
    const untested = policyWith((doc) => {
      doc.resources.caches = [];
    });
    for (const region of [PRIMARY, SECONDARY]) {
      expect(statementsOf(deployIn(untested, region), 'janitor').flatMap((s) => s.Action).filter((a) => a.startsWith('elasticache:'))).toEqual([]);
    }
  });
});
