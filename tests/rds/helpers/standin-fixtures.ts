// Names and ARNs shared by the tests of the RDS stand-in.
export const TOKYO = 'ap-northeast-1';
export const SINGAPORE = 'ap-southeast-1';
export const ACCOUNT = '123456789012';
export const START = Date.parse('2026-11-25T02:00:00+09:00');
export const DR_KEY = `arn:aws:kms:${SINGAPORE}:${ACCOUNT}:key/0b7c9a1e-dr`;
export const DB_ARN = `arn:aws:rds:${TOKYO}:${ACCOUNT}:db:app-db`;
export const snapArn = (region: string, id: string) => `arn:aws:rds:${region}:${ACCOUNT}:snapshot:${id}`;
export const dbArn = (region: string, id: string) => `arn:aws:rds:${region}:${ACCOUNT}:db:${id}`;
