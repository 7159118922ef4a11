import '@aws-sdk/client-sns';
