import '@aws-lambda-powertools/metrics';
