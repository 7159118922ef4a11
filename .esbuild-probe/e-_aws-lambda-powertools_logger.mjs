import '@aws-lambda-powertools/logger';
