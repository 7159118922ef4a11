import '@aws-sdk/client-rds';
