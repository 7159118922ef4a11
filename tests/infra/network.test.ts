// The VPC functions' way out (issue 8, item 14) and the manifests they read: with network.egress
// "endpoints" the stack creates, in the validation VPC, an S3 gateway endpoint and interface endpoints
// (private DNS) for RDS, Secrets Manager, SNS and KMS behind a security group admitting 443 from the
// validation security groups; with "nat", or without a validation network, nothing. The primary's
// manifests/ are replicated to the secondary's reports bucket (re-encrypted with the secondary's key),
// so validate-restore reads the manifests of its own region.
import { describe, expect, it } from 'vitest';
import { PackagingError } from '../../deploy/core/cloudformation.js';
import type { Deployment } from '../../deploy/core/contribution.js';
import { ENV, SERVICE, serviceKeyAlias } from '../../shared/contracts.js';
import { deployIn, NETWORK, policyWith, propsOf, resourcesOfType, roleStatementsOf, statementsOf, subs, withAction } from './deployments.js';

const policy = policyWith();
const PRIMARY = policy.regions.primary;
const SECONDARY = policy.regions.secondary;
const endpoints = (d: Deployment) => resourcesOfType(d, 'AWS::EC2::VPCEndpoint');

describe('VPC endpoints for the functions in the validation VPC', () => {
  it.each([PRIMARY, SECONDARY])('%s (egress "endpoints"): an S3 gateway endpoint on the route tables and interface endpoints with private DNS', (region) => {
    const d = deployIn(policy, region, { validationNetwork: NETWORK });
    expect(d.warnings).toEqual([]);
    const byService = Object.fromEntries(endpoints(d).map(([, r]) => [r.Properties.ServiceName['Fn::Sub'] as string, r.Properties]));
    // ElastiCache only where capture-cache-manifest runs (the primary, the policy having a cache).
    expect(Object.keys(byService).sort()).toEqual(
      [...(region === PRIMARY ? ['elasticache'] : []), 'kms', 'rds', 's3', 'secretsmanager', 'sns'].map((service) => `com.amazonaws.\${AWS::Region}.${service}`),
    );
    expect(byService['com.amazonaws.${AWS::Region}.s3']).toEqual({
      ServiceName: { 'Fn::Sub': 'com.amazonaws.${AWS::Region}.s3' },
      VpcEndpointType: 'Gateway',
      VpcId: NETWORK.vpcId,
      RouteTableIds: NETWORK.routeTableIds,
    });
    for (const service of [...(region === PRIMARY ? ['elasticache'] : []), 'kms', 'rds', 'secretsmanager', 'sns']) {
      expect(byService[`com.amazonaws.\${AWS::Region}.${service}`], service).toEqual({
        ServiceName: { 'Fn::Sub': `com.amazonaws.\${AWS::Region}.${service}` },
        VpcEndpointType: 'Interface',
        VpcId: NETWORK.vpcId,
        SubnetIds: NETWORK.subnetIds,
        SecurityGroupIds: [{ Ref: 'ApiEndpointSecurityGroup' }],
        PrivateDnsEnabled: true,
      });
    }
    expect(propsOf(d, 'ApiEndpointSecurityGroup')).toMatchObject({
      VpcId: NETWORK.vpcId,
      SecurityGroupIngress: NETWORK.securityGroupIds.map((sg) => ({ IpProtocol: 'tcp', FromPort: 443, ToPort: 443, SourceSecurityGroupId: sg, Description: expect.any(String) })),
    });
  });

  it('creates nothing with egress "nat", and says nothing about it', () => {
    const nat = policyWith((doc) => {
      doc.network = { egress: 'nat' };
    });
    const d = deployIn(nat, PRIMARY, { validationNetwork: { subnetIds: NETWORK.subnetIds, securityGroupIds: NETWORK.securityGroupIds } });
    expect(endpoints(d)).toEqual([]);
    expect(resourcesOfType(d, 'AWS::EC2::SecurityGroup')).toEqual([]);
    expect(d.warnings).toEqual([]);
  });

  it('creates nothing without a validation network (the functions are then outside any VPC, with the warning)', () => {
    const d = deployIn(policy);
    expect(endpoints(d)).toEqual([]);
    expect(d.warnings).toEqual([expect.stringContaining('packaged WITHOUT a VPC')]);
  });

  it('refuses the endpoints without the VPC and its route tables, and malformed ids, naming the parameter', () => {
    const attempt = (validationNetwork: Record<string, unknown>) => () => deployIn(policy, PRIMARY, { validationNetwork });
    const base = { subnetIds: NETWORK.subnetIds, securityGroupIds: NETWORK.securityGroupIds };
    expect(attempt(base)).toThrow(PackagingError);
    expect(attempt(base)).toThrow(/network\.egress is "endpoints".*--param="validationVpc=vpc-…".*--param="validationRouteTables=rtb-…/);
    expect(attempt({ ...base, vpcId: NETWORK.vpcId })).toThrow(/validationRouteTables/);
    expect(attempt({ ...base, routeTableIds: NETWORK.routeTableIds })).toThrow(/validationVpc/);
    expect(attempt({ ...base, vpcId: 'subnet-0a1b2c3d', routeTableIds: NETWORK.routeTableIds })).toThrow(/validationVpc: "subnet-0a1b2c3d" is not a VPC id \(vpc-…\)/);
    expect(attempt({ ...base, vpcId: NETWORK.vpcId, routeTableIds: ['rtb-0a1b2c3d', 'table-1'] })).toThrow(/validationRouteTables: "table-1" is not a route table id \(rtb-…\)/);
    expect(attempt({ vpcId: NETWORK.vpcId, routeTableIds: NETWORK.routeTableIds })).toThrow(/validationVpc and validationRouteTables need validationSubnets and validationSecurityGroups/);
  });
});

describe('manifests: replicated to the secondary, read in the region of the test', () => {
  const primary = deployIn(policy);
  const secondary = deployIn(policy, SECONDARY);
  const bucketArn = (region: string) => `arn:\${AWS::Partition}:s3:::${SERVICE}-reports-test-\${AWS::AccountId}-${region}`;

  it("replicates the primary's manifests/ to the secondary's reports bucket, re-encrypted with the secondary's service key (its alias ARN)", () => {
    expect(propsOf(primary, 'ReportsBucket').ReplicationConfiguration).toEqual({
      Role: { 'Fn::GetAtt': ['ManifestReplicationRole', 'Arn'] },
      Rules: [
        {
          Id: 'manifests-to-secondary',
          Status: 'Enabled',
          Priority: 1,
          Filter: { Prefix: 'manifests/' },
          DeleteMarkerReplication: { Status: 'Disabled' },
          SourceSelectionCriteria: { SseKmsEncryptedObjects: { Status: 'Enabled' } },
          Destination: {
            Bucket: { 'Fn::Sub': bucketArn(SECONDARY) },
            EncryptionConfiguration: { ReplicaKmsKeyID: { 'Fn::Sub': `arn:\${AWS::Partition}:kms:${SECONDARY}:\${AWS::AccountId}:${serviceKeyAlias('test')}` } },
          },
        },
      ],
    });
    expect(propsOf(secondary, 'ReportsBucket').ReplicationConfiguration).toBeUndefined();
    expect(secondary.resources.Resources.ManifestReplicationRole).toBeUndefined();
  });

  it('gives the replication role only what replicating manifests/ needs', () => {
    const role = propsOf(primary, 'ManifestReplicationRole');
    expect(role.AssumeRolePolicyDocument.Statement[0].Principal).toEqual({ Service: 's3.amazonaws.com' });
    const statements = roleStatementsOf(primary, 'ManifestReplicationRole');
    expect(subs(withAction(statements, 's3:GetReplicationConfiguration')[0])).toEqual([bucketArn(PRIMARY)]);
    expect(subs(withAction(statements, 's3:GetObjectVersionForReplication')[0])).toEqual([`${bucketArn(PRIMARY)}/manifests/*`]);
    expect(subs(withAction(statements, 's3:ReplicateObject')[0])).toEqual([`${bucketArn(SECONDARY)}/manifests/*`]);
    const [decrypt] = withAction(statements, 'kms:Decrypt').filter((s) => s.Resource.some((r) => JSON.stringify(r).includes('ServiceKey')));
    expect(decrypt!.Condition).toEqual({
      StringEquals: { 'kms:ViaService': `s3.${PRIMARY}.amazonaws.com` },
      StringLike: { 'kms:EncryptionContext:aws:s3:arn': [bucketArn(PRIMARY), `${bucketArn(PRIMARY)}/manifests/*`].map((t) => ({ 'Fn::Sub': t })) },
    });
    const [encrypt] = withAction(statements, 'kms:Encrypt');
    expect(subs(encrypt)).toEqual([`arn:\${AWS::Partition}:kms:${SECONDARY}:\${AWS::AccountId}:key/*`]);
    expect(encrypt!.Condition).toMatchObject({
      'ForAnyValue:StringEquals': { 'kms:ResourceAliases': [serviceKeyAlias('test')] },
      StringEquals: { 'kms:ViaService': `s3.${SECONDARY}.amazonaws.com` },
    });
  });

  it.each([
    ['primary', primary, SECONDARY],
    ['secondary', secondary, PRIMARY],
  ] as const)("%s: validate-restore reads manifests from its own region's bucket (no MANIFEST_BUCKET), and writes its reports under validation/", (_role, d, otherRegion) => {
    expect(d.functions['validate-restore']!.environment?.[ENV.manifestBucket]).toBeUndefined();
    expect(d.functions['capture-db-manifest']?.environment?.[ENV.manifestBucket]).toBeUndefined();
    const s3 = statementsOf(d, 'validate-restore').filter((s) => s.Action.some((a) => a.startsWith('s3:')));
    expect(s3).toEqual([
      { Effect: 'Allow', Action: ['s3:GetObject'], Resource: [{ 'Fn::Sub': 'arn:${AWS::Partition}:s3:::${ReportsBucket}/manifests/*' }] },
      { Effect: 'Allow', Action: ['s3:ListBucket'], Resource: [{ 'Fn::GetAtt': ['ReportsBucket', 'Arn'] }] },
      { Effect: 'Allow', Action: ['s3:PutObject'], Resource: [{ 'Fn::Sub': 'arn:${AWS::Partition}:s3:::${ReportsBucket}/validation/*' }] },
    ]);
    // No key of another region: the manifests are in this region's bucket.
    expect(JSON.stringify(statementsOf(d, 'validate-restore'))).not.toContain(otherRegion);
  });

  it.each([
    ['primary', primary],
    ['secondary', secondary],
  ] as const)('%s: keeps validation reports like the evidence (Glacier after a year, 5 years)', (_role, d) => {
    const rules = propsOf(d, 'ReportsBucket').LifecycleConfiguration.Rules as Record<string, any>[];
    expect(rules.find((r) => r.Prefix === 'validation/')).toMatchObject({
      Status: 'Enabled',
      Transitions: [{ StorageClass: 'GLACIER', TransitionInDays: 365 }],
      ExpirationInDays: 1825,
      NoncurrentVersionExpiration: { NoncurrentDays: 1825 },
    });
  });
});
