// Packaging time only: the validation network — where validate-restore and capture-db-manifest reach
// the databases (deployment parameters, validated here) — and, with the policy's network.egress
// "endpoints", the way those functions reach AWS APIs from there: a Lambda in a VPC has no internet
// access, and reaches AWS only through VPC endpoints or a NAT gateway. A VPC endpoint serves its own
// region only, so each region's deployment creates its own.
// https://docs.aws.amazon.com/lambda/latest/dg/configuration-vpc.html (internet and service access for VPC functions).

import { SERVICE } from '../../shared/contracts.js';
import { LOGICAL_ID, PackagingError, ref, sub, type CfnResource } from '../core/cloudformation.js';
import type { Context, Contribution, DeploymentInput, ValidationNetwork } from '../core/contribution.js';

const SUBNET = /^subnet-[0-9a-f]+$/;
const SECURITY_GROUP = /^sg-[0-9a-f]+$/;
const VPC = /^vpc-[0-9a-f]+$/;
const ROUTE_TABLE = /^rtb-[0-9a-f]+$/;

/**
 * The interface endpoints the VPC functions need: RDS (DescribeDBInstances), Secrets Manager (the
 * credentials), SNS (alerts) and KMS. S3 is a gateway endpoint (the manifests, the validation reports).
 * Not STS: a Lambda function gets its credentials from its environment, not from an STS call.
 */
export const INTERFACE_ENDPOINT_SERVICES = ['rds', 'secretsmanager', 'sns', 'kms'] as const;

function requireIds(ids: readonly string[], pattern: RegExp, parameter: string, what: string): void {
  const bad = ids.find((id) => !pattern.test(id));
  if (bad !== undefined) throw new PackagingError(`${parameter}: "${bad}" is not a ${what}`);
}

/**
 * The validated validation network of `input`, or undefined (with a warning) when none is given.
 * Throws a PackagingError for a half-given or malformed network, and — with network.egress "endpoints" —
 * for a missing VPC or route tables (the endpoints need them).
 */
export function validationNetworkOf(input: DeploymentInput, warnings: string[]): ValidationNetwork | undefined {
  const given = input.validationNetwork ?? {};
  const subnetIds = [...(given.subnetIds ?? [])];
  const securityGroupIds = [...(given.securityGroupIds ?? [])];
  const vpcId = given.vpcId === undefined || given.vpcId === '' ? undefined : given.vpcId;
  const routeTableIds = [...(given.routeTableIds ?? [])];
  if (subnetIds.length === 0 && securityGroupIds.length === 0) {
    if (vpcId !== undefined || routeTableIds.length > 0) {
      throw new PackagingError('validationVpc and validationRouteTables need validationSubnets and validationSecurityGroups (the functions run in those subnets)');
    }
    warnings.push(
      'validate-restore and capture-db-manifest are packaged WITHOUT a VPC: they cannot reach a database in private subnets ' +
        '(nor capture-cache-manifest and validate-cache-restore a cache). ' +
        'Package with --param="validationSubnets=subnet-…,subnet-…" --param="validationSecurityGroups=sg-…" (subnets that can reach the ' +
        "restored instances and the source; the restored instances' security groups must admit these), and with network.egress: endpoints " +
        'also --param="validationVpc=vpc-…" --param="validationRouteTables=rtb-…" for the VPC endpoints the stack creates.',
    );
    return undefined;
  }
  if (subnetIds.length === 0 || securityGroupIds.length === 0) {
    throw new PackagingError('give both validationSubnets and validationSecurityGroups (or neither): a Lambda VPC configuration needs subnets and security groups');
  }
  requireIds(subnetIds, SUBNET, 'validationSubnets', 'subnet id (subnet-…)');
  requireIds(securityGroupIds, SECURITY_GROUP, 'validationSecurityGroups', 'security group id (sg-…)');
  if (vpcId !== undefined) requireIds([vpcId], VPC, 'validationVpc', 'VPC id (vpc-…)');
  requireIds(routeTableIds, ROUTE_TABLE, 'validationRouteTables', 'route table id (rtb-…)');
  if (input.policy.network.egress === 'endpoints' && (vpcId === undefined || routeTableIds.length === 0)) {
    const missing = [vpcId === undefined ? 'validationVpc' : '', routeTableIds.length === 0 ? 'validationRouteTables' : ''].filter(Boolean).join(' and ');
    throw new PackagingError(
      `network.egress is "endpoints" (the policy): the stack creates VPC endpoints for the validation functions, and needs ${missing}. ` +
        'Give --param="validationVpc=vpc-…" (the VPC of validationSubnets) and --param="validationRouteTables=rtb-…,…" (the route tables ' +
        'of those subnets, for the S3 gateway endpoint) — or set network.egress: nat when the subnets reach AWS through a NAT gateway',
    );
  }
  return { subnetIds, securityGroupIds, ...(vpcId === undefined ? {} : { vpcId }), ...(routeTableIds.length === 0 ? {} : { routeTableIds }) };
}

/**
 * The endpoints in the validation VPC. Interface endpoints with private DNS, so the SDK's default
 * regional hostnames resolve to them (https://docs.aws.amazon.com/vpc/latest/privatelink/privatelink-access-aws-services.html);
 * S3 through a gateway endpoint on the subnets' route tables (no hourly charge;
 * https://docs.aws.amazon.com/vpc/latest/privatelink/vpc-endpoints-s3.html).
 */
function endpoints(ctx: Context, network: ValidationNetwork & { vpcId: string; routeTableIds: readonly string[] }, withElastiCache: boolean): Record<string, CfnResource> {
  const serviceName = (service: string) => sub(`com.amazonaws.\${AWS::Region}.${service}`);
  const resources: Record<string, CfnResource> = {
    [LOGICAL_ID.endpointSecurityGroup]: {
      Type: 'AWS::EC2::SecurityGroup',
      Properties: {
        GroupDescription: `${SERVICE} ${ctx.stage}: HTTPS from the validation functions to the AWS API endpoints`,
        VpcId: network.vpcId,
        SecurityGroupIngress: network.securityGroupIds.map((group) => ({
          IpProtocol: 'tcp',
          FromPort: 443,
          ToPort: 443,
          SourceSecurityGroupId: group,
          Description: `${SERVICE} validation functions (${group})`,
        })),
      },
    },
    S3GatewayEndpoint: {
      Type: 'AWS::EC2::VPCEndpoint',
      Properties: { ServiceName: serviceName('s3'), VpcEndpointType: 'Gateway', VpcId: network.vpcId, RouteTableIds: network.routeTableIds },
    },
  };
  // capture-cache-manifest (where it is deployed) finds a cache's endpoint through the ElastiCache API.
  const services = [...INTERFACE_ENDPOINT_SERVICES, ...(withElastiCache ? ['elasticache'] : [])];
  for (const service of services) {
    resources[`${service.charAt(0).toUpperCase()}${service.slice(1)}InterfaceEndpoint`] = {
      Type: 'AWS::EC2::VPCEndpoint',
      Properties: {
        ServiceName: serviceName(service),
        VpcEndpointType: 'Interface',
        VpcId: network.vpcId,
        SubnetIds: network.subnetIds,
        SecurityGroupIds: [ref(LOGICAL_ID.endpointSecurityGroup)],
        PrivateDnsEnabled: true,
      },
    };
  }
  return resources;
}

export const networkEndpoints: Contribution = {
  component: 'platform',
  name: 'platform/network',
  resources: (ctx, deployed) => {
    const network = ctx.network;
    const inVpc = Object.values(deployed.functions).some((fn) => fn.vpc !== undefined);
    if (network === undefined || !inVpc || ctx.policy.network.egress !== 'endpoints' || network.vpcId === undefined || network.routeTableIds === undefined) return {};
    return { Resources: endpoints(ctx, { ...network, vpcId: network.vpcId, routeTableIds: network.routeTableIds }, deployed.functions['capture-cache-manifest'] !== undefined) };
  },
};
